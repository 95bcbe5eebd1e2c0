"""`python -m crawler.samplesites [PORT]`: serve the sample web until interrupted."""

import sys
import time

from crawler.samplesites import serve

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8700
    with serve(port=port) as web:
        for site in web.ports:
            print(f"{site:18} {web.url(site)}")
        print("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
