"""Staff as people: accounts with a role, their sessions, and the audit trail of what they viewed and changed."""
