"""A Plex-sized library for the benchmark: about N small files in Plex's deep bundle layout.

Used by `generate-tree --tree plex --files N [--mutate --round R --fraction F]`. Python 3 standard library only.

The layout follows Plex Media Server's own (`Metadata/Movies/x/<hash>.bundle/Contents/_combined/...`,
`Metadata/TV Shows/...` with seasons and episodes, `Media/localhost/x/<hash>.bundle/Contents/Thumbnails/...`,
the PhotoTranscoder and HTTP caches, logs, and the SQLite databases). Sizes run from a few hundred bytes to a few
hundred KB, most under 4 KiB; about half of the files are text (XML/JSON, compressible), half random bytes behind a
JPEG header (artwork, incompressible). Same N + seed => same bytes, modes and mtimes.

Speed matters at a million files: the content is a slice of one of two preallocated pools (text, random) behind a
per-file unique header, written with one os.writev per file; directories are created once each.
"""
import math
import os
import random
import shutil
import sqlite3
import sys

BASE_MTIME = 1767225600            # 2026-01-01T00:00:00Z
MUTATE_MTIME = 1780272000          # 2026-06-01T00:00:00Z, + round * 3600
PLEX = "plex/Library/Application Support/Plex Media Server"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
KIB = 1024
TEXT_POOL = 4 << 20
NOISE_POOL = 24 << 20
MOVIE_AGENTS = ("com.plexapp.agents.imdb", "tv.plex.agents.movie", "com.plexapp.agents.localmedia")
ART_AGENTS = ("com.plexapp.agents.themoviedb", "tv.plex.agents.movie", "com.plexapp.agents.fanarttv")
HTTP_AGENTS = ("com.plexapp.agents.themoviedb", "com.plexapp.agents.thetvdb", "com.plexapp.agents.imdb")
# share of the files per part of the library (the rest: logs and databases, a handful)
SHARES = (("movies", 0.34), ("shows", 0.36), ("media", 0.14), ("photo", 0.08), ("http", 0.08))
WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _words(rng, n=3000):
    syl = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "ar", "en", "il", "or", "us",
           "bra", "che", "dri", "fla", "gro", "ste", "tha", "wen", "qui", "pho", "lyn", "mor"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(syl) for _ in range(rng.randint(1, 4))))
    return sorted(words)


class PlexTree:
    def __init__(self, root, seed):
        self.root, self.seed = root, seed
        r = random.Random(f"{seed}:plex-pools")
        self.vocab = _words(r)
        cum, acc = [], 0.0
        for i in range(len(self.vocab)):                                # Zipf-like, so text compresses
            acc += 1.0 / (i + 1)
            cum.append(acc)
        words = r.choices(self.vocab, cum_weights=cum, k=TEXT_POOL // 5)
        lines = (" ".join(words[i:i + 13]).capitalize() + ". " for i in range(0, len(words), 13))
        self.text_pool = memoryview("".join(lines).encode()[:TEXT_POOL])
        self.noise_pool = memoryview(r.randbytes(NOISE_POOL))
        self.made_dirs = set()
        self.files = 0
        self.bytes = 0
        self.serial = 0

    # --- sizes, names ---------------------------------------------------------------------
    @staticmethod
    def size(rng):
        """Most under 4 KiB, a tail to a few hundred KiB (log-uniform within each band)."""
        u = rng.random()
        lo, hi = (200, 4 * KIB) if u < 0.80 else (4 * KIB, 64 * KIB) if u < 0.985 else (64 * KIB, 400 * KIB)
        return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    @staticmethod
    def hexid(rng, n=40):
        return "%0*x" % (n, rng.getrandbits(4 * n))

    def title(self, rng):
        return " ".join(rng.choice(self.vocab).capitalize() for _ in range(rng.randint(1, 3)))

    # --- output ---------------------------------------------------------------------------
    def mkdir(self, rel):
        if rel not in self.made_dirs:
            os.makedirs(os.path.join(self.root, rel), exist_ok=True)
            self.made_dirs.add(rel)

    def put(self, rng, rel_dir, name, text, mtime, size=None):
        """One file of `size` (default: the size distribution) bytes: unique header + a slice of a pool."""
        self.mkdir(rel_dir)
        size = self.size(rng) if size is None else size
        self.serial += 1
        if text:
            head = f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {self.seed}:{self.serial} {name} -->\n'.encode()
            pool = self.text_pool
        else:
            head = JPEG_HEAD + self.serial.to_bytes(8, "little") + rng.getrandbits(64).to_bytes(8, "little")
            pool = self.noise_pool
        body = max(0, size - len(head))
        o = rng.randrange(len(pool) - body)
        fd = os.open(os.path.join(self.root, rel_dir, name), WRITE_FLAGS, 0o644)
        try:
            os.writev(fd, [head, pool[o:o + body]])
            os.utime(fd, (mtime, mtime))
        finally:
            os.close(fd)
        self.files += 1
        self.bytes += len(head) + body
        return 1

    @staticmethod
    def mtime(rng):
        return BASE_MTIME - rng.randrange(0, 3 * 365 * 86400)

    # --- library parts: each call writes one unit and returns its number of files -----------
    def movie(self, rng, mt=None):
        h = self.hexid(rng)
        c = f"{PLEX}/Metadata/Movies/{h[0]}/{h[1:]}.bundle/Contents"
        mt = self.mtime(rng) if mt is None else mt
        n = self.put(rng, f"{c}/_combined", "Info.xml", True, mt)
        for agent in MOVIE_AGENTS:
            n += self.put(rng, f"{c}/{agent}", "Info.xml", True, mt)
        for _ in range(rng.randint(1, 3)):
            n += self.put(rng, f"{c}/_combined/posters", f"{rng.choice(ART_AGENTS)}_{self.hexid(rng)}", False, mt)
        for _ in range(rng.randint(0, 2)):
            n += self.put(rng, f"{c}/_combined/art", f"{rng.choice(ART_AGENTS)}_{self.hexid(rng)}", False, mt)
        return n

    def show(self, rng, mt=None):
        h = self.hexid(rng)
        c = f"{PLEX}/Metadata/TV Shows/{h[0]}/{h[1:]}.bundle/Contents"
        mt = self.mtime(rng) if mt is None else mt
        n = self.put(rng, f"{c}/_combined", "Info.xml", True, mt)
        n += self.put(rng, f"{c}/com.plexapp.agents.thetvdb", "Info.xml", True, mt)
        for kind in ("posters", "art", "banners"):
            n += self.put(rng, f"{c}/_combined/{kind}", f"com.plexapp.agents.thetvdb_{self.hexid(rng)}", False, mt)
        for s in range(1, rng.randint(1, 5) + 1):
            sd = f"{c}/_combined/seasons/{s}"
            n += self.put(rng, sd, "Info.xml", True, mt)
            n += self.put(rng, f"{sd}/posters", f"com.plexapp.agents.thetvdb_{self.hexid(rng)}", False, mt)
            for e in range(1, rng.randint(4, 12) + 1):
                ed = f"{sd}/episodes/{e}"
                n += self.put(rng, ed, "Info.xml", True, mt)
                n += self.put(rng, f"{ed}/thumbs", f"com.plexapp.agents.thetvdb_{self.hexid(rng)}", False, mt)
        return n

    def media(self, rng, mt=None):
        h = self.hexid(rng)
        c = f"{PLEX}/Media/localhost/{h[0]}/{h[1:]}.bundle/Contents"
        mt = self.mtime(rng) if mt is None else mt
        n = self.put(rng, f"{c}/Thumbnails", "thumb1.jpg", False, mt)
        if rng.random() < 0.5:
            n += self.put(rng, f"{c}/Thumbnails", "art1.jpg", False, mt)
        if rng.random() < 0.1:       # a video's preview index: the few-hundred-KB tail
            n += self.put(rng, f"{c}/Indexes", "index-sd.bif", False, mt, rng.randint(100 * KIB, 400 * KIB))
        return n

    def photo(self, rng, mt=None):
        h = self.hexid(rng)
        return self.put(rng, f"{PLEX}/Cache/PhotoTranscoder/{h[:2]}", f"{h}.jpg", False,
                        self.mtime(rng) if mt is None else mt)

    def http(self, rng, mt=None):
        h = self.hexid(rng)
        return self.put(rng, f"{PLEX}/Plug-in Support/Caches/{rng.choice(HTTP_AGENTS)}/HTTP.system/{h[:2]}", h, True,
                        self.mtime(rng) if mt is None else mt)

    # --- databases and logs ---------------------------------------------------------------
    def databases(self, n_files):
        dbdir = f"{PLEX}/Plug-in Support/Databases"
        self.mkdir(dbdir)
        rng = random.Random(f"{self.seed}:plex-db")
        path = os.path.join(self.root, dbdir, "com.plexapp.plugins.library.db")
        db = sqlite3.connect(path)
        db.executescript("""
            PRAGMA page_size=4096; PRAGMA journal_mode=DELETE;
            CREATE TABLE metadata_items (id INTEGER PRIMARY KEY, library_section_id INTEGER, guid TEXT, title TEXT,
                summary TEXT, year INTEGER, added_at INTEGER, updated_at INTEGER, user_thumb_url TEXT);
            CREATE INDEX ix_metadata_items_guid ON metadata_items(guid);
            CREATE TABLE media_parts (id INTEGER PRIMARY KEY, media_item_id INTEGER, hash TEXT, file TEXT, size INTEGER);
            CREATE TABLE metadata_item_settings (id INTEGER PRIMARY KEY, guid TEXT, view_count INTEGER,
                last_viewed_at INTEGER);
        """)
        self.library_rows(db, rng, 1, max(100, n_files // 20))
        db.commit()
        db.close()
        db = sqlite3.connect(os.path.join(self.root, dbdir, "com.plexapp.plugins.library.blobs.db"))
        db.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, linked_guid TEXT, blob BLOB)")
        db.executemany("INSERT INTO blobs VALUES (?,?,?)",
                       ((i, self.hexid(rng), rng.randbytes(rng.randint(2, 30) * KIB))
                        for i in range(1, max(10, n_files // 400) + 1)))
        db.commit()
        db.close()
        db = sqlite3.connect(os.path.join(self.root, dbdir, "com.plexapp.dlna.db"))
        db.execute("CREATE TABLE dlna_devices (id INTEGER PRIMARY KEY, identifier TEXT, name TEXT)")
        db.executemany("INSERT INTO dlna_devices VALUES (?,?,?)",
                       ((i, self.hexid(rng, 32), self.title(rng)) for i in range(1, 51)))
        db.commit()
        db.close()
        for name in ("com.plexapp.plugins.library.db", "com.plexapp.plugins.library.blobs.db", "com.plexapp.dlna.db"):
            p = os.path.join(self.root, dbdir, name)
            os.utime(p, (BASE_MTIME, BASE_MTIME))
            self.files += 1
            self.bytes += os.path.getsize(p)

    def text(self, rng, size):
        o = rng.randrange(len(self.text_pool) - size)
        return bytes(self.text_pool[o:o + size]).decode("ascii", "replace")

    def library_rows(self, db, rng, first, count):
        meta, parts, settings = [], [], []
        for i in range(first, first + count):
            g = "plex://movie/" + self.hexid(rng, 24)
            added = self.mtime(rng)
            meta.append((i, rng.randint(1, 6), g, self.title(rng), self.text(rng, rng.randint(150, 500)),
                         rng.randint(1950, 2026), added, added,
                         f"metadata://posters/com.plexapp.agents.themoviedb_{self.hexid(rng)}"))
            parts.append((i, i, self.hexid(rng), f"/media/movies/{self.title(rng)}.mkv", rng.randint(10**8, 10**10)))
            if rng.random() < 0.3:
                settings.append((i, g, rng.randint(1, 9), added + 86400))
        db.executemany("INSERT INTO metadata_items VALUES (?,?,?,?,?,?,?,?,?)", meta)
        db.executemany("INSERT INTO media_parts VALUES (?,?,?,?,?)", parts)
        db.executemany("INSERT INTO metadata_item_settings VALUES (?,?,?,?)", settings)

    def logs(self):
        rng = random.Random(f"{self.seed}:plex-logs")
        for k in range(6):
            name = "Plex Media Server.log" if k == 0 else f"Plex Media Server.{k}.log"
            self.put(rng, f"{PLEX}/Logs", name, True, BASE_MTIME - k * 86400, rng.randint(300 * KIB, 1000 * KIB))


def generate(root, seed, n_files):
    if os.path.exists(root) and os.listdir(root):
        sys.exit(f"generate-tree: {root} exists and is not empty")
    os.makedirs(root, exist_ok=True)
    os.umask(0o022)
    t = PlexTree(root, seed)
    t.databases(n_files)
    t.logs()
    for part, share in SHARES:
        rng = random.Random(f"{seed}:plex-{part}")
        make = getattr(t, {"movies": "movie", "shows": "show"}.get(part, part))
        quota, n = int(n_files * share), 0
        while n < quota:
            n += make(rng)
    for rel in sorted(t.made_dirs, reverse=True):
        os.utime(os.path.join(root, rel), (BASE_MTIME, BASE_MTIME))
    print(f"generated {t.files} files in {len(t.made_dirs)} directories, {t.bytes / 1e6:.1f} MB "
          f"(plex, --files {n_files}, seed {seed})", file=sys.stderr)


def _bundles(root, rng, kind):
    """A random bundle directory of Metadata/Movies, Metadata/TV Shows or Media/localhost (None if there is none)."""
    base = os.path.join(root, PLEX, kind)
    for _ in range(8):
        x = "%x" % rng.randrange(16)
        try:
            names = sorted(os.listdir(os.path.join(base, x)))
        except FileNotFoundError:
            continue
        if names:
            return os.path.join(base, x, rng.choice(names))
    return None


def _files_under(d):
    out = []
    for dirpath, dirnames, filenames in os.walk(d):
        dirnames.sort()
        out += [os.path.join(dirpath, f) for f in sorted(filenames)]
    return out


def mutate(root, seed, n_files, rnd, fraction):
    """About fraction * n_files files change: 60% edited, 20% new (bundles added), 20% deleted (bundles removed);
    the library database gains rows and some are updated."""
    t = PlexTree(root, seed)
    t.made_dirs = set()
    t.serial = 10**12 + rnd * 10**7            # headers stay unique across rounds
    rng = random.Random(f"{seed}:plex-mutate:{rnd}")
    mt = MUTATE_MTIME + rnd * 3600
    target = max(3, round(n_files * fraction))
    edited = added = deleted = 0
    while edited < target * 0.6:
        b = _bundles(root, rng, rng.choice(("Metadata/Movies", "Metadata/TV Shows", "Media/localhost")))
        if b is None:
            break
        files = _files_under(b)
        for p in rng.sample(files, min(len(files), rng.randint(1, 3))):
            text = os.path.basename(p) == "Info.xml"
            edited += t.put(rng, os.path.relpath(os.path.dirname(p), root), os.path.basename(p), text, mt)
    while added < target * 0.2:
        added += (t.movie if rng.random() < 0.5 else t.photo)(rng, mt)
    while deleted < target * 0.2:
        b = _bundles(root, rng, rng.choice(("Metadata/Movies", "Media/localhost")))
        if b is None:
            break
        deleted += len(_files_under(b))
        shutil.rmtree(b)
    dbpath = os.path.join(root, PLEX, "Plug-in Support/Databases/com.plexapp.plugins.library.db")
    db = sqlite3.connect(dbpath)
    (last,) = db.execute("SELECT max(id) FROM metadata_items").fetchone()
    t.library_rows(db, rng, last + 1, max(1, int(target * 0.05)))
    db.execute("UPDATE metadata_item_settings SET view_count = view_count + 1, last_viewed_at = ? WHERE id % 97 = ?",
               (mt, rnd % 97))
    db.commit()
    db.close()
    os.utime(dbpath, (mt, mt))
    print(f"mutate round {rnd}: edited {edited}, added {added}, deleted {deleted} files "
          f"(target {target} of ~{n_files}); library database updated", file=sys.stderr)
