"""The outputs: weekly digest, headlines and feeds, research queries, Datasette, timeline page.

Reads the store only; imports nothing of crawler or nlp.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
