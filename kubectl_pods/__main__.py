import sys

from kubectl_pods.cli import main

sys.exit(main())
