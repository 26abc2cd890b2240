"""What both suites measure with: the timers, the interval arithmetic and the marker routes."""
