"""Code the tests share: test modules import from here (or use conftest.py's fixtures), never from each other.

cli (ok, ok_json, fails, refused), paths, files, scenarios, charts, replay (the mock-transport replay),
decisions (hand-worked replay decisions), doc_console, and the fault_server and llama_server plugins.
tests/test_test_layout.py checks the rule.
"""
