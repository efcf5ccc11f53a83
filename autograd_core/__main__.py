"""``python -m autograd_core``: the worked example, step by step."""

from autograd_core.demo import main

raise SystemExit(main())
