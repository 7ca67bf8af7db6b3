#!/usr/bin/env python3
"""Refuses a Lambda package that would not start on AWS Lambda's provided.al2023.

usage: check_lambda_package.py DIR [DIR...]

Every ELF file under DIR (the bootstrap and lib/*) must
  - require at most GLIBC_2.34, the glibc of Amazon Linux 2023 (glibc-2.34-*.amzn2023), and
  - resolve every DT_NEEDED library in the package (DIR/lib, found through its RUNPATH/RPATH
    $ORIGIN entries) or in AL2023's base set below.

The base set is what the provided.al2023 image holds before any layer: its glibc package
(glibc-2.34, the files of `rpm -ql glibc` on public.ecr.aws/lambda/provided:al2023), of which a
program can need libc, libm, libdl, libpthread, librt, libresolv, libutil, libanl, libnss_* and the
loader. Nothing else is assumed there (no libstdc++, no libgcc_s, no OpenSSL, no libpq, no libcurl).

Exit 0 when every file passes; 65 with one line per problem, naming the file and the symbol
version or library, when any fails; 66 when DIR holds no ELF file.
"""
import os
import re
import subprocess
import sys

GLIBC_MAX = (2, 34)
AL2023_BASE = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libresolv.so.2",
    "libutil.so.1", "libanl.so.1", "libnss_dns.so.2", "libnss_files.so.2", "libBrokenLocale.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}


def is_elf(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, check=True).stdout


def version_tuple(name):
    match = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?", name)
    return tuple(int(part) for part in match.groups() if part is not None) if match else None


def dynamic(path):
    """NEEDED names and RUNPATH/RPATH entries."""
    needed, paths = [], []
    for line in readelf("-d", path).splitlines():
        if "(NEEDED)" in line:
            needed.append(re.search(r"\[(.*)\]", line).group(1))
        elif "(RUNPATH)" in line or "(RPATH)" in line:
            paths.extend(re.search(r"\[(.*)\]", line).group(1).split(":"))
    return needed, paths


def glibc_symbols(path):
    """(symbol, version) pairs of undefined dynamic symbols bound to a GLIBC_x.y version."""
    pairs = []
    for line in readelf("--dyn-syms", path).splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[6] == "UND" and "@GLIBC_" in fields[7]:
            symbol, _, version = fields[7].partition("@")
            pairs.append((symbol, version.split(" ")[0].lstrip("@")))
    return pairs


def glibc_version_needs(path):
    """Every GLIBC_x.y named in .gnu.version_r (what the loader checks), even without a symbol."""
    return set(re.findall(r"Name: (GLIBC_[0-9.]+)", readelf("-V", path)))


def check(root):
    problems, files = [], []
    for directory, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path) and is_elf(path):
                files.append(path)
    if not files:
        return None
    for path in files:
        shown = os.path.relpath(path, root)
        too_new = {}
        for symbol, version in glibc_symbols(path):
            parsed = version_tuple(version)
            if parsed and parsed > GLIBC_MAX:
                too_new.setdefault(version, []).append(symbol)
        for version in glibc_version_needs(path):
            parsed = version_tuple(version)
            if parsed and parsed > GLIBC_MAX:
                too_new.setdefault(version, [])
        for version, symbols in sorted(too_new.items()):
            named = ", ".join(f"{symbol}@{version}" for symbol in sorted(set(symbols))) or version
            problems.append(
                f"{root}/{shown}: requires {named}, newer than GLIBC_2.34 (Amazon Linux 2023's glibc)")
        needed, search = dynamic(path)
        origin = os.path.dirname(path)
        directories = [entry.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for entry in search]
        for library in needed:
            if library in AL2023_BASE:
                continue
            found = any(
                os.path.realpath(entry).startswith(os.path.realpath(root))
                and os.path.exists(os.path.join(entry, library))
                for entry in directories)
            if not found:
                where = "no RUNPATH" if not search else "RUNPATH " + ":".join(search)
                problems.append(
                    f"{root}/{shown}: needs {library}, which is neither in the package ({where}) "
                    f"nor in provided.al2023's base set (glibc)")
    return problems, len(files)


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    status = 0
    for root in sys.argv[1:]:
        result = check(root.rstrip("/"))
        if result is None:
            print(f"{root}: no ELF file to check", file=sys.stderr)
            status = max(status, 66)
            continue
        problems, count = result
        if problems:
            for problem in problems:
                print(f"refused: {problem}", file=sys.stderr)
            status = 65
        else:
            print(f"{root}: {count} ELF files, at most GLIBC_2.34, every library resolved")
    return status


sys.exit(main())
