#!/usr/bin/env python3
"""Deterministically (re)generate the bundled example databases in testdata/.

Run from the repository root:

    python3 scripts/make_testdata.py

Standard library only. Every run writes byte-identical CSV files: all
randomness comes from random.Random(20261121) (one derived sub-generator per
database, so the two databases are independent of each other), files are
written with the csv module and "\\n" line endings, and floats are written
with a fixed number of decimals. The planted patterns are documented in
testdata/README.md; keep that file in sync when changing any rule here.
"""

import csv
import datetime as dt
import math
import os
import random

SEED = 20261121

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "testdata")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def poisson(rng, lam):
    """Poisson(lam) sample (Knuth's multiplication method; lam is small)."""
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def uniform_date(rng, start, end):
    """A date uniform over [start, end] (both inclusive)."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def exp_days(rng, mean):
    """Whole number of days ~ Exponential(mean), rounded to nearest day."""
    return int(round(rng.expovariate(1.0 / mean)))


def words(rng, vocab, lo, hi):
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))


def money(x):
    return f"{x:.2f}"


def write_csv(relpath, header, rows):
    path = os.path.join(TESTDATA, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(rows)} rows)")


MEMO_VOCAB = (
    "coffee grocery rent refund salary fuel train ticket dinner lunch "
    "online subscription gym pharmacy books gift transfer savings utility "
    "electricity water phone internet insurance parking taxi hotel flight "
    "cinema concert repair plumber garden pet school tuition charity "
    "market bakery fee monthly"
).split()  # 41 words

COMMENT_VOCAB = (
    "great good bad okay product quality fast slow shipping price value "
    "works broke returned love hate would buy again recommend not really "
    "cheap expensive sturdy flimsy size color perfect arrived late early "
    "box gift kids happy disappointed excellent average nice battery "
    "manual easy"
).split()  # 43 words


# --------------------------------------------------------------------------
# bank: accounts -> transactions, accounts -> loans
# --------------------------------------------------------------------------

REGIONS = ["north", "south", "east", "west", "central"]
BALANCE_RHO = 0.88       # latent normal correlation, income vs balance
NORTH_FACTOR = 1.4       # north balances are multiplied by this
LOAN_RHO = 0.72          # latent normal correlation, income vs loan amount


def make_bank(rng):
    # ---- accounts -------------------------------------------------------
    n_acc = 600
    emails = rng.sample(range(10**6), n_acc)  # distinct 6-digit numbers
    accounts = []
    for i in range(n_acc):
        acc_id = i + 1
        tier = "premium" if rng.random() < 0.3 else "basic"
        region = rng.choice(REGIONS)
        opened = uniform_date(rng, dt.date(2015, 1, 1), dt.date(2020, 12, 31))
        z_inc = rng.gauss(0.0, 1.0)
        income = round(math.exp(10.8 + 0.4 * z_inc), 2)
        z_bal = BALANCE_RHO * z_inc + math.sqrt(1 - BALANCE_RHO**2) * rng.gauss(0.0, 1.0)
        balance = math.exp(10.0 + 0.4 * z_bal)
        if region == "north":
            balance *= NORTH_FACTOR
        balance = round(balance, 2)
        is_active = "true" if rng.random() < 0.85 else "false"
        email = "" if rng.random() < 0.10 else f"u{emails[i]:06d}@example.com"
        accounts.append(dict(account_id=acc_id, tier=tier, region=region,
                             opened=opened, income=income, balance=balance,
                             is_active=is_active, email=email, z_inc=z_inc))

    write_csv("bank/accounts.csv",
              ["account_id", "tier", "region", "opened", "income", "balance",
               "is_active", "email"],
              [[a["account_id"], a["tier"], a["region"], a["opened"].isoformat(),
                money(a["income"]), money(a["balance"]), a["is_active"], a["email"]]
               for a in accounts])

    # ---- transactions -----------------------------------------------------
    tx = []  # (date, account_id, seq, amount, kind, memo)
    for a in accounts:
        if a["tier"] == "premium":
            n = poisson(rng, 15)
        else:
            n = 0 if rng.random() < 0.08 else poisson(rng, 5)
        mu = 3.5 + (math.log(3) if a["tier"] == "premium" else 0.0)
        day = a["opened"]
        for seq in range(n):
            day = day + dt.timedelta(days=exp_days(rng, 20))
            amount = max(0.01, round(math.exp(rng.gauss(mu, 0.8)), 2))
            kind = rng.choices(["card", "transfer", "cash"], weights=[60, 25, 14])[0]
            memo = "" if rng.random() < 0.30 else words(rng, MEMO_VOCAB, 2, 6)
            tx.append([day, a["account_id"], seq, amount, kind, memo])
    # exactly three chargebacks, on distinct random rows
    for idx in rng.sample(range(len(tx)), 3):
        tx[idx][4] = "chargeback"
    # whole file sorted by date; ties by account then per-account sequence,
    # so each account's rows stay in their generated (non-decreasing) order
    tx.sort(key=lambda r: (r[0], r[1], r[2]))
    write_csv("bank/transactions.csv",
              ["account_id", "date", "amount", "kind", "memo"],
              [[r[1], r[0].isoformat(), money(r[3]), r[4], r[5]] for r in tx])

    # ---- loans -----------------------------------------------------------
    loans = []
    for a in accounts:
        if a["tier"] == "premium":
            n = rng.randint(0, 3)
        else:
            n = 1 if rng.random() < 0.3 else 0
        mine = []
        for _ in range(n):
            z = LOAN_RHO * a["z_inc"] + math.sqrt(1 - LOAN_RHO**2) * rng.gauss(0.0, 1.0)
            amount = round(math.exp(10.3 + 0.4 * z), 2)
            term = rng.choice([12, 24, 36, 60])
            start = a["opened"] + dt.timedelta(days=rng.randint(30, 1800))
            status = rng.choices(["current", "paid", "default"], weights=[70, 25, 5])[0]
            mine.append((start, amount, term, status))
        mine.sort(key=lambda r: r[0])  # stable: equal dates keep draw order
        for start, amount, term, status in mine:
            loans.append([len(loans) + 1, a["account_id"], money(amount), term,
                          start.strftime("%d/%m/%Y"), status])
    write_csv("bank/loans.csv",
              ["loan_id", "account_id", "amount", "term_months", "start_date", "status"],
              loans)


# --------------------------------------------------------------------------
# shop: customers -> orders <- products, orders -> shipments,
#       reviews -> customers (nullable), reviews -> products
# --------------------------------------------------------------------------

SEGMENTS = (["consumer", "business", "vip"], [70, 22, 8])
COUNTRIES = (["US", "DE", "FR", "GB", "JP"], [40, 20, 15, 15, 10])
CATEGORY_BASE_PRICE = {"books": 15.0, "electronics": 250.0, "toys": 30.0,
                       "home": 60.0, "grocery": 8.0}
ORDERS_LAMBDA = {"consumer": 3, "business": 6, "vip": 12}
RATING_WEIGHTS = {True: [10, 20, 40, 20, 10],    # electronics: mean 3.0
                  False: [2, 4, 16, 48, 30]}     # others:      mean 4.0


def make_shop(rng):
    # ---- customers -------------------------------------------------------
    customers = []
    for i in range(500):
        seg = rng.choices(*SEGMENTS)[0]
        country = rng.choices(*COUNTRIES)[0]
        signup = uniform_date(rng, dt.date(2018, 1, 1), dt.date(2022, 12, 31))
        age = "" if rng.random() < 0.05 else rng.randint(18, 80)
        customers.append(dict(customer_id=i + 1, segment=seg, country=country,
                              signup=signup, age=age))
    write_csv("shop/customers.csv",
              ["customer_id", "segment", "country", "signup_date", "age"],
              [[c["customer_id"], c["segment"], c["country"], c["signup"].isoformat(),
                c["age"]] for c in customers])

    # ---- products --------------------------------------------------------
    products = []
    cats = list(CATEGORY_BASE_PRICE)
    for i in range(120):
        cat = rng.choice(cats)
        price = round(CATEGORY_BASE_PRICE[cat] * rng.uniform(0.5, 1.5), 2)
        launched = uniform_date(rng, dt.date(2015, 1, 1), dt.date(2022, 12, 31))
        products.append(dict(product_id=i + 1, category=cat, price=price,
                             launched=launched))
    write_csv("shop/products.csv",
              ["product_id", "category", "price", "launched"],
              [[p["product_id"], p["category"], money(p["price"]),
                p["launched"].isoformat()] for p in products])

    # ---- orders ----------------------------------------------------------
    pid_all = [p["product_id"] for p in products]
    pop_weights = [1.0 / k for k in pid_all]
    raw = []  # (date, customer_id, seq, product_id, qty, total, channel, gift)
    for c in customers:
        n = poisson(rng, ORDERS_LAMBDA[c["segment"]])
        day = c["signup"]
        for seq in range(n):
            day = day + dt.timedelta(days=1 + exp_days(rng, 30))
            pid = rng.choices(pid_all, weights=pop_weights)[0]
            qty = rng.randint(1, 5)
            total = round(products[pid - 1]["price"] * qty * rng.uniform(0.95, 1.05), 2)
            channel = rng.choice(["web", "app", "store"])
            gift = "yes" if rng.random() < 0.10 else "no"
            raw.append((day, c["customer_id"], seq, pid, qty, total, channel, gift))
    raw.sort(key=lambda r: (r[0], r[1], r[2]))
    orders = []
    for i, r in enumerate(raw):
        orders.append(dict(order_id=i + 1, customer_id=r[1], product_id=r[3],
                           date=r[0], qty=r[4], total=r[5], channel=r[6], gift=r[7]))
    write_csv("shop/orders.csv",
              ["order_id", "customer_id", "product_id", "order_date", "quantity",
               "total", "channel", "gift"],
              [[o["order_id"], o["customer_id"], o["product_id"], o["date"].isoformat(),
                o["qty"], money(o["total"]), o["channel"], o["gift"]] for o in orders])

    # ---- shipments -------------------------------------------------------
    shipments = []
    for o in orders:
        country = customers[o["customer_id"] - 1]["country"]
        n = 2 if rng.random() < 0.10 else 1
        mine = []
        for _ in range(n):
            carrier = rng.choice(["ups", "dhl", "fedex", "post"])
            start = dt.datetime.combine(o["date"], dt.time())
            shipped = start + dt.timedelta(days=rng.randint(0, 3),
                                           seconds=rng.randint(0, 86399))
            lam = 2 if country == "US" else 7
            delivery = 1 + poisson(rng, lam)
            mine.append((shipped, carrier, delivery))
        mine.sort(key=lambda r: r[0])
        for shipped, carrier, delivery in mine:
            shipments.append([len(shipments) + 1, o["order_id"], carrier,
                              shipped.strftime("%Y-%m-%d %H:%M:%S"), delivery])
    write_csv("shop/shipments.csv",
              ["shipment_id", "order_id", "carrier", "shipped_at", "delivery_days"],
              shipments)

    # ---- reviews ---------------------------------------------------------
    # each review is about a uniformly random order (with replacement): the
    # reviewer is that order's customer and the product is that order's
    # product, so customers are picked proportionally to their order count
    reviews = []
    for i in range(800):
        o = orders[rng.randrange(len(orders))]
        cust = "" if rng.random() < 0.10 else o["customer_id"]
        is_elec = products[o["product_id"] - 1]["category"] == "electronics"
        rating = rng.choices([1, 2, 3, 4, 5], weights=RATING_WEIGHTS[is_elec])[0]
        comment = "" if rng.random() < 0.20 else words(rng, COMMENT_VOCAB, 3, 12)
        reviews.append([i + 1, cust, o["product_id"], rating, comment])
    write_csv("shop/reviews.csv",
              ["review_id", "customer_id", "product_id", "rating", "comment"],
              reviews)


def main():
    master = random.Random(SEED)
    bank_rng = random.Random(master.getrandbits(64))
    shop_rng = random.Random(master.getrandbits(64))
    make_bank(bank_rng)
    make_shop(shop_rng)


if __name__ == "__main__":
    main()
