"""Wi-Fi access points: regulatory channel tables, intended configuration, rendering, checks."""
