"""Small helpers over pod dicts: containers by role, statuses by name, times, versions."""
