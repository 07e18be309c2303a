// One way a secret is recognised (a regex or JSON member names) and the label that replaces it.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace ea {

struct RedactionRule
{
    // The manifest's key and, unless replacement is set, the label: "[REDACTED:<name>]".
    QString name;
    // A QRegularExpression (PCRE2) over text. When it has a group named "secret" (or
    // "secret2"), only that group is replaced, so "Authorization: " or "KEY=" stays readable.
    QString pattern;
    // Or JSON member names (case-insensitive, * and ? as wildcards) whose string values are
    // replaced whole, with every string nested below them.
    QStringList keys;
    QString replacement; // empty: "[REDACTED:<name>]"
    // Literal words (case-insensitive) of which one must occur before the pattern or the key
    // names are tried: most text holds none, and a substring search is far cheaper than a
    // regex. Empty: always tried (user rules).
    QStringList anchors;

    QString label() const;
    // Empty when the rule is usable; else what is wrong with it, for a configuration error
    // ("pattern ... does not compile at offset 3: missing )").
    QString problem() const;

    bool operator==(const RedactionRule&) const = default;
};

// The rules a Redactor applies: the built-in detectors (unless switched off, which only tests
// and the fuzzer do) followed by the user's rules from the configuration.
struct RedactionRules
{
    bool builtIns = true;
    QList<RedactionRule> user;

    static RedactionRules builtIn() { return {}; }
    static RedactionRules withUserRules(QList<RedactionRule> rules) { return {true, rules}; }
    // The built-in detectors, in the order they claim text (the more specific first).
    static QList<RedactionRule> builtInRules();
    // builtInRules() (when builtIns) and then the user's rules.
    QList<RedactionRule> all() const;

    bool operator==(const RedactionRules&) const = default;
};

} // namespace ea
