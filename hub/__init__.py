"""kioskhub: the reference central intake platform, queue, ratings, helper console and fleet view."""
