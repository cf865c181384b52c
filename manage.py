#!/usr/bin/env python
"""Development shim; the installed `crm` command is the same entry point."""

from config.manage import main

if __name__ == "__main__":
    main()
