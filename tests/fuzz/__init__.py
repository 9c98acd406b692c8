"""Fuzzing every method of every service: generators (``generators``), the checks a
request must pass whatever it holds (``tests/integration/test_fuzz.py``), and a command
that sends many and prints what came back (``python -m tests.fuzz``)."""
