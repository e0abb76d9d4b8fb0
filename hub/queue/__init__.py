"""取号: services with a ticket letter and hours, per-day numbers, priority calling order, counters and wait estimates.

Numbers are taken with an upsert inside the ticket's transaction, like case numbers, so concurrent
kiosks never get the same number and a refused or failed request leaves no gap. Without an end
number the number grows a digit past 999 (A1000); with one, the day is full after it. Numbers never
wrap, so a number never repeats within a day.

Calling order (NovoSGA's ``peso``): priority tickets by weight, then issue time; normal tickets by issue
time. After ``max_streak`` priority calls in a row the next call goes to the longest-waiting normal
ticket, so a steady stream of priority tickets cannot starve the rest of the hall.

Modules: ``rules`` (pure: numbering, priority, calling order, estimates), ``errors``, ``policy`` (the
hub's settings and a site's own weights), ``services`` (a site's queue services and their lines),
``tickets`` (issuing, places in line), ``counters`` (what a window does), ``windows`` (a window's
state and actions for the staff pages and API), ``follow`` (a ticket's public follow link) and
``schemas`` (the HTTP bodies).
"""
