"""RQ job functions and the worker: the one place where the portal and the ML side meet."""
