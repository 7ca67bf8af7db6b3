"""Files for bench/import and bench/all's import row: printed card numbers (Luhn) as a cards CSV, and
invoices as JSON lines, written a line at a time (a million invoices never sit in memory)."""
import random, sys
from datetime import datetime, timedelta, timezone


def luhn_complete(payload):
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return payload + str((10 - total % 10) % 10)


def cards(path, count, run):
    """A cards CSV: COUNT new printed cards, each its own customer, agreement accepted two years ago."""
    rng = random.Random(run)
    accepted = (datetime.now(timezone.utc) - timedelta(days=730)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(path, "w") as out:
        out.write("card_number,customer.external_id,version,accepted_at\n")
        for i in range(count):
            number = luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
            out.write(f"{number},B-{run}-{i},v1,{accepted}\n")


def invoices(path, count, run, cards_file, days):
    """COUNT invoices over the cards of CARDS_FILE, dated over the last DAYS days, one to three lines each."""
    numbers = [line.split(",")[0] for line in open(cards_file).read().splitlines()[1:]]
    rng = random.Random(run)
    now = datetime.now(timezone.utc)
    brands = ["Acme", "Zeta", "Omni"]
    with open(path, "w") as out:
        for i in range(count):
            date = (now - timedelta(seconds=rng.randrange(60, days * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ")
            lines = ",".join(
                f'{{"sku":"SKU-{rng.randrange(500)}","brand":"{rng.choice(brands)}","quantity":{rng.randrange(1, 4)},'
                f'"amount":{rng.randrange(100, 20000) / 100:.2f}}}'
                for _ in range(rng.randrange(1, 4)))
            order = f',"order_number":"O-{run}-{i}"' if i % 2 == 0 else ""
            out.write(f'{{"card_number":"{numbers[i % len(numbers)]}","number":"IMP-{run}-{i}"{order},'
                      f'"date":"{date}","currency":"USD","lines":[{lines}]}}\n')


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "cards":
        cards(args[0], int(args[1]), args[2])
    elif command == "invoices":
        invoices(args[0], int(args[1]), args[2], args[3], int(args[4]))
    else:
        sys.exit(f"bench/import_data.py: unknown command {command}")
