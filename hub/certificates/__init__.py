"""Certificates (证明打印): issued by the hub for a kiosk, with a verification code, a seal and a PAdES signature."""
