"""`kubectl_complete-pods`: placeholder until the distribution issue lands."""

import sys


def main() -> int:
    print(":4")  # cobra's ShellCompDirectiveNoFileComp: no candidates
    return 0


if __name__ == "__main__":
    sys.exit(main())
