#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # Runnable from anywhere (``python example_site/manage.py``): the site's packages live beside this file.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esempio.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
