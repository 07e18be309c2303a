#!/usr/bin/env python3
"""Fails when a source file includes a header of a layer its CMake library does not link.

The layers' CMakeLists.txt are the source of truth: a file in core/storage may include
"aggregation/..." only because ea_storage links ea_aggregation (directly or through PUBLIC
dependencies). PRIVATE dependencies are not passed on, which is how ui/ is kept away from
capture, aggregation and storage: presentation links them privately, behind its facade.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
root = os.path.abspath(root)
layer_dirs = [os.path.join('core', d) for d in sorted(os.listdir(os.path.join(root, 'core')))
              if os.path.isdir(os.path.join(root, 'core', d))] + ['presentation', 'ui']

target_of_dir, public, private = {}, {}, {}
for d in layer_dirs:
    text = open(os.path.join(root, d, 'CMakeLists.txt')).read()
    name = re.search(r'add_library\((\w+)', text).group(1)
    target_of_dir[d] = name
    link = re.search(r'target_link_libraries\(\s*' + name + r'\s+(.*?)\)', text, re.S)
    pub, priv, mode = [], [], None
    for word in (link.group(1).split() if link else []):
        if word in ('PUBLIC', 'PRIVATE', 'INTERFACE'):
            mode = word
        elif word.startswith('ea_'):
            (priv if mode == 'PRIVATE' else pub).append(word)
    public[name], private[name] = pub, priv

def visible(target):
    """Layers whose headers `target` may include: itself, its direct dependencies and
    everything they pass on publicly."""
    seen, todo = {target}, public[target] + private[target]
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(public[t])
    return seen

module_dir = {}
for d in layer_dirs:
    module_dir[d[len('core/'):] if d.startswith('core/') else d] = d

errors = []
for d in layer_dirs:
    allowed = visible(target_of_dir[d])
    for f in sorted(os.listdir(os.path.join(root, d))):
        if not f.endswith(('.h', '.cpp')):
            continue
        for n, line in enumerate(open(os.path.join(root, d, f)), 1):
            m = re.match(r'\s*#\s*include\s+"([^"/]+)/[^"]+"', line)
            if not m:
                continue
            dep_dir = module_dir.get(m.group(1))
            if dep_dir is None:
                errors.append(f'{d}/{f}:{n}: includes "{m.group(1)}/…", which is no layer')
            elif target_of_dir[dep_dir] not in allowed:
                errors.append(f'{d}/{f}:{n}: {target_of_dir[d]} does not link '
                              f'{target_of_dir[dep_dir]} ({line.strip()})')
for e in errors:
    print(e)
print(f'{len(errors)} include(s) across layers that the CMake graph does not allow'
      if errors else 'layers: every include follows a linked dependency')
sys.exit(1 if errors else 0)
