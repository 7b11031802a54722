#!/usr/bin/env python3
"""Generates the disk-usage benchmark tree: FILES files spread over DIRS directories (two levels), with
hard links across directories and symlinks, deterministic so every run measures the same tree.
Usage: generate-tree.py ROOT [FILES] [DIRS]"""
import os, sys

root = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
dirs = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
top = max(1, int(dirs ** 0.5))
per_dir = files // dirs
payload = b'x' * 65536
os.makedirs(root, exist_ok=True)
made = 0
previous = None
for d in range(dirs):
    path = os.path.join(root, 't%03d' % (d % top), 'd%05d' % d)
    os.makedirs(path, exist_ok=True)
    fd = os.open(path, os.O_RDONLY)
    for f in range(per_dir):
        name = 'f%04d' % f
        if f % 50 == 7 and previous is not None:
            os.link(os.path.join(previous, 'f%04d' % (f - 1)), name, dst_dir_fd=fd)   # hard link across dirs
        elif f % 100 == 3:
            os.symlink('f%04d' % (f - 1), name, dir_fd=fd)
        else:
            w = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
            size = (made * 2654435761) % 9000 if f % 10 == 0 else (made % 300)
            if size:
                os.write(w, payload[:size])
            os.close(w)
        made += 1
    os.close(fd)
    previous = path
with open(os.path.join(root, '.complete'), 'w') as marker:
    marker.write('%d %d\n' % (files, dirs))
