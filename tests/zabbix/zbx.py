#!/usr/bin/env python3
"""zbx.py - the Zabbix 6.0 API calls of test_zabbix.sh (stdlib only).

  zbx.py URL version
  zbx.py URL import TEMPLATE.yaml
  zbx.py URL host-create HOST TEMPLATE SNMP_PORT [MACRO=VALUE ...]
  zbx.py URL items HOST          one line per item, its fields apart by
                                 \\x1f (a tab is blank to the shell's read,
                                 which would drop an empty field):
                                 key state lastclock flags lastvalue error
  zbx.py URL problems HOST       one line per open problem:
                                 severity name
  zbx.py URL lld HOST            one line per discovery rule: key state error
  zbx.py URL history HOST KEY    the item's stored values, oldest first,
                                 each as clock, a tab, the value
Newlines and tabs in a value are shown as \\n and \\t.

Logs in as Admin/zabbix.  6.0 specifics: user.login takes "username";
the session goes in the request's "auth" member (not a header), and
apiinfo.version must be called without it; configuration.import names
its host group rule "groups" (6.2 renamed it).
"""
import json
import sys
import urllib.error
import urllib.request

SNMP_INTERFACE = 2
SEVERITY = ("not_classified", "information", "warning", "average", "high", "disaster")


class ApiError(Exception):
    pass


class Api:
    def __init__(self, url):
        self.url = url
        self.auth = None
        self.seq = 0

    def call(self, method, params):
        self.seq += 1
        req = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.seq}
        if self.auth is not None:
            req["auth"] = self.auth
        http = urllib.request.Request(self.url, data=json.dumps(req).encode(),
                                      headers={"Content-Type": "application/json-rpc"})
        try:
            with urllib.request.urlopen(http, timeout=60) as r:
                body = r.read().decode()
        except (urllib.error.URLError, OSError) as e:
            raise ApiError("%s: %s" % (method, e)) from None
        try:
            resp = json.loads(body)
        except ValueError:
            raise ApiError("%s: not JSON: %.300s" % (method, body)) from None
        if "error" in resp:
            e = resp["error"]
            raise ApiError("%s: %s %s" % (method, e.get("message"), e.get("data")))
        return resp["result"]

    def login(self):
        self.auth = self.call("user.login", {"username": "Admin", "password": "zabbix"})

    def hostid(self, host):
        r = self.call("host.get", {"filter": {"host": [host]}, "output": ["hostid"]})
        if not r:
            raise ApiError("no host %r" % host)
        return r[0]["hostid"]


def flat(s):
    return str(s).replace("\n", "\\n").replace("\t", "\\t")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    api = Api(argv[1])
    cmd, args = argv[2], argv[3:]
    if cmd == "version":
        print(api.call("apiinfo.version", []))
        return
    api.login()
    if cmd == "import":
        with open(args[0], encoding="utf-8") as f:
            source = f.read()
        both = {"createMissing": True, "updateExisting": True}
        rules = {"groups": {"createMissing": True}, "templates": both,
                 "valueMaps": both, "items": both, "discoveryRules": both,
                 "triggers": both, "templateLinkage": {"createMissing": True}}
        api.call("configuration.import", {"format": "yaml", "source": source, "rules": rules})
    elif cmd == "host-create":
        host, template, port = args[0], args[1], args[2]
        macros = [dict(zip(("macro", "value"), m.split("=", 1))) for m in args[3:]]
        t = api.call("template.get", {"filter": {"host": [template]}, "output": ["templateid"]})
        if not t:
            raise ApiError("no template %r" % template)
        g = api.call("hostgroup.get", {"filter": {"name": ["Mail servers"]}, "output": ["groupid"]})
        gid = g[0]["groupid"] if g else api.call("hostgroup.create", {"name": "Mail servers"})["groupids"][0]
        api.call("host.create", {
            "host": host,
            "groups": [{"groupid": gid}],
            "interfaces": [{"type": SNMP_INTERFACE, "main": 1, "useip": 1, "ip": "127.0.0.1",
                            "dns": "", "port": port,
                            "details": {"version": 2, "bulk": 1, "community": "{$SNMP_COMMUNITY}"}}],
            "templates": [{"templateid": t[0]["templateid"]}],
            "macros": [{"macro": "{$SNMP_COMMUNITY}", "value": "public"}] + macros,
        })
    elif cmd == "items":
        for i in api.call("item.get", {"hostids": [api.hostid(args[0])], "sortfield": "key_",
                                       "output": ["key_", "state", "lastclock", "flags",
                                                  "lastvalue", "error"]}):
            print("\x1f".join(flat(i[k]) for k in ("key_", "state", "lastclock", "flags",
                                                    "lastvalue", "error")))
    elif cmd == "problems":
        for p in api.call("problem.get", {"hostids": [api.hostid(args[0])],
                                          "output": ["name", "severity"]}):
            print("%s\t%s" % (SEVERITY[int(p["severity"])], p["name"]))
    elif cmd == "lld":
        for r in api.call("discoveryrule.get", {"hostids": [api.hostid(args[0])],
                                                "output": ["key_", "state", "error"]}):
            print("%s\t%s\t%s" % (r["key_"], r["state"], flat(r["error"])))
    elif cmd == "history":
        its = api.call("item.get", {"hostids": [api.hostid(args[0])], "filter": {"key_": args[1]},
                                    "output": ["itemid", "value_type"]})
        if not its:
            raise ApiError("no item %r" % args[1])
        for h in api.call("history.get", {"itemids": [its[0]["itemid"]],
                                          "history": int(its[0]["value_type"]),
                                          "sortfield": "clock", "sortorder": "ASC",
                                          "output": "extend"}):
            print("%s\t%s" % (h["clock"], flat(h["value"])))
    else:
        sys.exit("zbx.py: unknown command %r" % cmd)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except ApiError as e:
        print("zbx.py: %s" % e, file=sys.stderr)
        sys.exit(1)
