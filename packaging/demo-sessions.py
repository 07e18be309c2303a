#!/usr/bin/env python3
"""Writes saved sessions for the screenshots: a month of made-up work across a few projects.

    demo-sessions.py <activity directory> [count, default 240]

The layout is the one event-aggregator saves (tests/support/SessionFactory.h makes the same for
the tests), so the app indexes them into its session database like any other session files.
"""
import datetime as dt
import json
import os
import random
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 240
os.makedirs(out, exist_ok=True)
rng = random.Random(15)
projects = ["api", "webapp", "infra", "docs", "mobile"]
branches = ["main", "feature/login", "fix/crash", "feature/billing"]
agents = ["engineer", "qa", "research", "ops", "documentation"]
tools = ["Bash", "Read", "Edit", "Grep", "Write", "WebFetch"]
fail_rate = {"Bash": 0.18, "Read": 0.02, "Edit": 0.07, "Grep": 0.01, "Write": 0.04,
             "WebFetch": 0.25}
slow = {"Bash": 4000, "Read": 40, "Edit": 300, "Grep": 120, "Write": 200, "WebFetch": 2500}
files = ["src/auth.py", "src/api/routes.py", "src/models/user.py", "tests/test_auth.py",
         "README.md", "src/billing/invoice.py", "deploy/helm/values.yaml", "src/app.tsx"]
prompts = ["Fix the login redirect loop", "Add invoice totals to the billing page",
           "Why does the deploy job time out?", "Refactor the auth token refresh",
           "Write tests for the user model", "Update the README install steps"]
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(t):
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


for n in range(count):
    # More work on weekdays and lately; none in the future.
    day = int(rng.triangular(0, 30, 0))
    start = now - dt.timedelta(days=day, hours=rng.randint(1, 9), minutes=rng.randint(0, 59))
    project = rng.choice(projects)
    root = "/home/dev/" + project
    agent = rng.choice(agents)
    prompt = rng.choice(prompts)
    ops, failures = [], 0
    events = [{"event_type": "user_prompt", "category": "prompt", "timestamp": iso(start),
               "data": {"prompt_text": prompt}}]
    t = start
    for k in range(rng.randint(3, 14)):
        tool = rng.choice(tools)
        failed = rng.random() < fail_rate[tool]
        failures += failed
        ms = int(slow[tool] * rng.uniform(0.2, 1.8))
        if tool == "Bash":
            data = {"command": rng.choice(["pytest -q", "npm test", "make deploy", "git status"])}
        elif tool in ("Grep", "WebFetch"):
            data = {"pattern": "def handler"}
        else:
            data = {"file_path": root + "/" + rng.choice(files)}
        category = "file" if tool in ("Read", "Edit", "Write") else "tool"
        events.append({"event_type": "pre_tool", "category": category, "timestamp": iso(t),
                       "agent_context": agent if k % 2 else "",
                       "data": {"tool_name": tool, "tool_parameters": data}})
        events.append({"event_type": "post_tool", "category": category,
                       "timestamp": iso(t + dt.timedelta(milliseconds=ms)),
                       "agent_context": agent if k % 2 else "",
                       "data": {"tool_name": tool, "success": not failed,
                                "exit_code": 1 if failed else 0}})
        ops.append({"tool_name": tool, "agent_type": agent if k % 2 else "main",
                    "start_time": iso(t), "end_time": iso(t + dt.timedelta(milliseconds=ms)),
                    "duration_ms": ms, "success": not failed,
                    "result": "failure" if failed else "success", "turn": 0,
                    "input_data": data, "output_data": {"output": "ok"}})
        t += dt.timedelta(seconds=rng.randint(2, 40))
    duration = int((t - start).total_seconds() * 1000) + 5000
    tokens = rng.randint(2000, 90000)
    sid = "demo-%04d-%s" % (n, project)
    doc = {
        "session_id": sid, "schema_version": 1, "start_time": iso(start),
        "end_time": iso(start + dt.timedelta(milliseconds=duration)), "status": "completed",
        "completion_reason": "stop", "working_directory": root,
        "initial_prompt": prompt, "final_response": "Done.",
        "events": events, "tool_operations": ops,
        "delegations": [{"agent_type": agent, "task_description": "check the change",
                         "duration_ms": rng.randint(2000, 60000), "success": rng.random() > 0.1}],
        "turns": [{"index": 0, "start_time": iso(start), "duration_ms": duration,
                   "prompt": prompt, "tool_calls": len(ops), "tool_failures": failures,
                   "token_usage": {"total_tokens": tokens}}],
        "metadata": {"project_root": root, "git_branch": rng.choice(branches)},
        "metrics": {"total_events": 2 * len(ops) + 2, "total_tool_calls": len(ops),
                    "total_delegations": 1, "total_failures": failures, "turns": 1,
                    "session_duration_ms": duration,
                    "token_usage": {"total_tokens": tokens}},
    }
    name = "session_%s_%s.json" % (sid, start.strftime("%Y-%m-%dT%H-%M-%S"))
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f)
