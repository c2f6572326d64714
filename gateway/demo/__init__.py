"""The embedded demo: a small national deployment driven through all eight workflows."""
