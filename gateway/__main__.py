from services.kit import green  # noqa: F401  (first: patches the standard library)
from gateway.app import main

main()
