"""The soak (issue 16 item 5): forwarded traffic through the NAT lab under faults.

See tests/soak/README.md; the harness is :mod:`tests.soak.harness`, the traffic
:mod:`tests.soak.load`, the command line ``python -m tests.soak``.
"""
