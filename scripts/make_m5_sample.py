#!/usr/bin/env python3
"""Cut the small M5 sample committed in data/m5-sample/ from the verified
partial M5 copy (default /work/shared/data/m5, see its SOURCE.md).

Keeps the raw M5 layout so that `demandcast import m5 --dir data/m5-sample`
reads it like the real files:

* sales_train_evaluation.csv.gz  wide sales, d_1..d_1941, ids `..._evaluation`
* calendar.csv                   the official calendar, unchanged (d_1..d_1969)
* sell_prices.csv.gz             the price rows of the sampled item-stores
* weights_validation.csv         the official Level12 rows of the sampled
                                 item-stores (weights NOT renormalised)

Selection (deterministic): for each of the 7 departments, three items sold in
both CA_1 and TX_2, picked by their share of zero-sales days over the last 365
days (d_1577..d_1941, both stores together) at the 2nd, 50th and 90th
percentile of that department (smooth, medium, intermittent), plus
FOODS_3_090 and the department item launched latest (many leading zeros).
Standard library only.
"""
import csv
import gzip
import io
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/m5"
DST = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "data", "m5-sample")
STORES = ("CA_1", "TX_2")
LAST_YEAR = range(1577, 1942)


def gz_write(path, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    # mtime=0: the same input gives the same bytes
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, compresslevel=9, filename="") as g:
            g.write(buf.getvalue().encode())


def main():
    os.makedirs(DST, exist_ok=True)
    with gzip.open(os.path.join(SRC, "sales_CA_1_TX_2_d_1_to_d_1941.csv.gz"), "rt") as f:
        r = csv.reader(f)
        header = next(r)
        rows = [row for row in r if row[4] in STORES]
    dcol = {name: i for i, name in enumerate(header)}
    first_day = dcol["d_1"]
    by_item = {}
    for row in rows:
        by_item.setdefault(row[1], {})[row[4]] = row
    stats = {}
    for item, st in by_item.items():
        if set(st) != set(STORES):
            continue
        zeros = sum(1 for s in STORES for d in LAST_YEAR if st[s][first_day + d - 1] == "0")
        launch = min(
            next((d for d in range(1, 1942) if st[s][first_day + d - 1] != "0"), 10**9) for s in STORES
        )
        stats[item] = (zeros / (2 * len(LAST_YEAR)), launch, st[STORES[0]][2])
    chosen = []
    depts = sorted({v[2] for v in stats.values()})
    for dept in depts:
        items = sorted((v[0], k) for k, v in stats.items() if v[2] == dept)
        for q in (0.02, 0.5, 0.9):
            item = items[min(len(items) - 1, int(q * len(items)))][1]
            if item not in chosen:
                chosen.append(item)
    late = max((v[1], k) for k, v in stats.items() if v[1] < 1800)[1]
    for extra in ("FOODS_3_090", late):
        if extra not in chosen:
            chosen.append(extra)
    chosen.sort()
    keep = {(i, s) for i in chosen for s in STORES}

    out_rows = [header] + [row for row in rows if (row[1], row[4]) in keep]
    out_rows[1:] = sorted(out_rows[1:], key=lambda r: (r[4], r[1]))
    gz_write(os.path.join(DST, "sales_train_evaluation.csv.gz"), out_rows)

    with open(os.path.join(SRC, "calendar.csv"), "rb") as f, open(os.path.join(DST, "calendar.csv"), "wb") as g:
        g.write(f.read())

    with gzip.open(os.path.join(SRC, "sell_prices_CA_1_TX_2.csv.gz"), "rt") as f:
        r = csv.reader(f)
        ph = next(r)
        prices = [ph] + [row for row in r if (row[1], row[0]) in keep]
    gz_write(os.path.join(DST, "sell_prices.csv.gz"), prices)

    with gzip.open(os.path.join(SRC, "weights_validation.csv.gz"), "rt") as f:
        r = csv.reader(f)
        wh = next(r)
        weights = [wh] + [row for row in r if row[0] == "Level12" and (row[1], row[2]) in keep]
    with open(os.path.join(DST, "weights_validation.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(weights)

    print(f"{len(chosen)} items x {len(STORES)} stores = {len(out_rows) - 1} series; "
          f"{len(prices) - 1} price rows; {len(weights) - 1} weight rows")
    for item in chosen:
        z, launch, dept = stats[item]
        print(f"  {item:16s} zero share (last 365 d) {z:.2f}  first sale d_{launch}")


if __name__ == "__main__":
    main()
