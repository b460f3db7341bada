#!/usr/bin/env python3
"""Where a component's bytes go: its core modules' sections, and the code
section's functions summed by crate (from the name section, so build it
unstripped first):

    CARGO_PROFILE_GUEST_STRIP=false cargo build -p runner-metrics --lib \
        --target wasm32-wasip2 --profile guest --target-dir target/size
    python3 crates/bench/wasm_size.py target/size/wasm32-wasip2/guest/runner_metrics.wasm
"""
import sys, struct, collections

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if not x & 0x80: return r, i

def core_modules(b):
    # component: magic + version(layer 1); sections: id, size
    i = 8; out = []
    while i < len(b):
        sid = b[i]; i += 1
        size, i = leb(b, i)
        if sid == 1: out.append(b[i:i+size])
        i += size
    return out

def analyze(m):
    i = 8; funcs_import = 0; code = None; names = {}; secs = collections.Counter()
    while i < len(m):
        sid = m[i]; i += 1
        size, i = leb(m, i); body = m[i:i+size]
        if sid == 0:
            nl, j = leb(body, 0); name = body[j:j+nl].decode(); secs['custom:'+name] += size
            if name == 'name':
                j += nl
                while j < len(body):
                    sub = body[j]; j += 1; ssz, j = leb(body, j)
                    if sub == 1:
                        k = j; cnt, k = leb(body, k)
                        for _ in range(cnt):
                            idx, k = leb(body, k); ln, k = leb(body, k); names[idx] = body[k:k+ln].decode('utf-8','replace'); k += ln
                    j += ssz
        else:
            secs[sid] += size
        if sid == 2:
            cnt, j = leb(body, 0)
            for _ in range(cnt):
                for _ in range(2):
                    ln, j = leb(body, j); j += ln
                kind = body[j]; j += 1
                if kind == 0: _, j = leb(body, j); funcs_import += 1
                elif kind == 1: j += 1; fl = body[j]; j += 1; _, j = leb(body, j); 
                elif kind == 2:
                    fl = body[j]; j += 1; _, j = leb(body, j)
                    if fl & 1: _, j = leb(body, j)
                elif kind == 3: j += 2
        if sid == 10: code = body
        i += size
    sizes = []
    if code:
        cnt, j = leb(code, 0)
        for f in range(cnt):
            sz, j2 = leb(code, j); sizes.append((j2 - j + sz, names.get(funcs_import + f, f'func{funcs_import+f}'))); j = j2 + sz
    return secs, sizes

b = open(sys.argv[1], 'rb').read()
mods = core_modules(b)
print('component', len(b), 'core modules', [len(m) for m in mods])
for m in mods:
    if len(m) < 10000: continue
    secs, sizes = analyze(m)
    print('sections', dict(secs))
    groups = collections.Counter()
    for sz, n in sizes:
        key = n
        for crate in ['serde_json','flate2','miniz_oxide','snap','prost','httpdate','base64','wit_bindgen','wasip2','runner_metrics','alloc','core','std','itoa','ryu','serde','crc32fast','dlmalloc','memchr','hashbrown','zmij']:
            if crate in n: key = crate; break
        else: key = 'other'
        groups[key] += sz
    print('code by crate:', groups.most_common())
    print('top funcs:')
    for sz, n in sorted(sizes, reverse=True)[:25]: print(sz, n[:150])
