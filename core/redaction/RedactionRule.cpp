#include "redaction/RedactionRule.h"

#include <QRegularExpression>

namespace ea {

namespace {
// A token that was wrapped (fold, base64 output, a narrow terminal): following lines made only
// of token characters belong to it.
#define EA_WRAPPED "(?:\\r?\\n[A-Za-z0-9_-]{1,300}(?![^\\r\\n]))*"

// Words that name a secret, as a regex alternation and as anchors.
#define EA_SECRET_WORDS                                                                            \
    "password|passwd|passphrase|secret|api_?key|apikey|access_?key|private_?key|credential"
const QStringList kSecretWords{
    QStringLiteral("password"),    QStringLiteral("passwd"),       QStringLiteral("passphrase"),
    QStringLiteral("secret"),      QStringLiteral("api_key"),      QStringLiteral("apikey"),
    QStringLiteral("apiKey"),      QStringLiteral("access_key"),   QStringLiteral("accesskey"),
    QStringLiteral("private_key"), QStringLiteral("privatekey"),   QStringLiteral("credential"),
    QStringLiteral("token"),       QStringLiteral("authorization")};

RedactionRule rule(const char* name, const char* pattern, QStringList anchors)
{
    RedactionRule r;
    r.name = QLatin1String(name);
    r.pattern = QLatin1String(pattern);
    r.anchors = std::move(anchors);
    return r;
}

// Whether `pattern` quantifies a group that itself holds an unbounded quantifier, like (a+)+
// or (\w+\s?)*: the shape that backtracks exponentially on text that almost matches. Possessive
// quantifiers (a++) and atomic groups (?>...) do not backtrack and are allowed.
bool nestsQuantifiers(const QString& pattern)
{
    struct Group
    {
        bool atomic = false;
        bool unbounded = false; // holds an unbounded quantifier that may backtrack
    };
    QList<Group> groups{Group{}};
    const qsizetype n = pattern.size();
    // The quantifier starting at i ("*", "+", "?", "{n}", "{n,}", "{n,m}") with its lazy or
    // possessive suffix: its length (0: none) and whether it is unbounded and may backtrack.
    const auto quantifierAt = [&](qsizetype i, bool* unbounded) -> qsizetype {
        *unbounded = false;
        if (i >= n)
            return 0;
        qsizetype len = 0;
        bool open = false;
        if (pattern[i] == u'*' || pattern[i] == u'+') {
            len = 1;
            open = true;
        } else if (pattern[i] == u'?') {
            len = 1;
        } else if (pattern[i] == u'{') {
            static const QRegularExpression braces(QStringLiteral("^\\{\\d*(,\\d*)?\\}"));
            const auto m = braces.match(QStringView(pattern).mid(i));
            if (!m.hasMatch())
                return 0;
            len = m.capturedLength();
            open = m.captured(0).endsWith(QStringLiteral(",}"));
        }
        if (len == 0)
            return 0;
        if (i + len < n && pattern[i + len] == u'+')
            return len + 1; // possessive: never gives back
        if (i + len < n && pattern[i + len] == u'?')
            ++len;
        *unbounded = open;
        return len;
    };
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = pattern[i];
        bool unbounded = false;
        if (c == u'\\') {
            ++i;
        } else if (c == u'[') {
            // A class: up to its closing bracket (a leading ] or ^] belongs to it).
            qsizetype j = i + 1;
            if (j < n && pattern[j] == u'^')
                ++j;
            if (j < n && pattern[j] == u']')
                ++j;
            while (j < n && pattern[j] != u']')
                j += pattern[j] == u'\\' ? 2 : 1;
            i = j;
        } else if (c == u'(') {
            const QStringView rest = QStringView(pattern).mid(i + 1);
            groups.append(Group{rest.startsWith(u"?>"), false});
            if (rest.startsWith(u'?'))
                ++i; // (?:, (?<name>, (?i): the ? is no quantifier
        } else if (c == u')' && groups.size() > 1) {
            const Group g = groups.takeLast();
            const qsizetype q = quantifierAt(i + 1, &unbounded);
            if (!g.atomic && g.unbounded && unbounded)
                return true;
            if (!g.atomic && (g.unbounded || unbounded))
                groups.last().unbounded = true;
            i += q;
        } else if (const qsizetype q = quantifierAt(i, &unbounded); q > 0) {
            if (unbounded)
                groups.last().unbounded = true;
            i += q - 1;
        }
    }
    return false;
}
} // namespace

QString RedactionRule::label() const
{
    return replacement.isEmpty() ? QStringLiteral("[REDACTED:%1]").arg(name) : replacement;
}

QString RedactionRule::problem() const
{
    static const QRegularExpression goodName(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
    if (!goodName.match(name).hasMatch())
        return QStringLiteral("name must be 1 to 64 letters, digits, '_', '.' or '-', got \"%1\"")
            .arg(name.left(64));
    if (pattern.isEmpty() == keys.isEmpty())
        return QStringLiteral("rule \"%1\" needs either a pattern or keys (not both)").arg(name);
    if (!pattern.isEmpty()) {
        const QRegularExpression re(pattern);
        if (!re.isValid())
            return QStringLiteral("rule \"%1\": pattern does not compile at offset %2: %3")
                .arg(name)
                .arg(re.patternErrorOffset())
                .arg(re.errorString());
        if (re.match(QString()).hasMatch())
            return QStringLiteral("rule \"%1\": pattern matches empty text; it must match the "
                                  "secret itself")
                .arg(name);
        if (nestsQuantifiers(pattern))
            return QStringLiteral("rule \"%1\": pattern repeats a group that holds a repetition "
                                  "(like (a+)+), which can take exponential time on long text; "
                                  "use a possessive quantifier (a++) or an atomic group (?>...)")
                .arg(name);
    }
    for (const QString& k : keys)
        if (k.trimmed().isEmpty())
            return QStringLiteral("rule \"%1\": keys must be non-empty names").arg(name);
    return {};
}

QList<RedactionRule> RedactionRules::builtInRules()
{
    // Order matters where matches overlap: the first rule to claim text names it.
    static const QList<RedactionRule> rules = [] {
        QList<RedactionRule> r;
        // A whole key block, or what follows its BEGIN line when the END line is missing
        // (head -n 5 of a key file still leaks key material).
        r << rule("private_key",
                  "-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
                  "(?:[\\s\\S]{0,20000}?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
                  "|[A-Za-z0-9+/=\\s:,.-]{0,20000})",
                  {QStringLiteral("PRIVATE KEY")});
        r << rule("anthropic_api_key", "(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,300}" EA_WRAPPED,
                  {QStringLiteral("sk-ant-")});
        r << rule("openai_api_key",
                  "(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,300}" EA_WRAPPED,
                  {QStringLiteral("sk-")});
        r << rule("aws_access_key",
                  "(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])",
                  {QStringLiteral("AKIA"), QStringLiteral("ASIA"), QStringLiteral("ABIA"),
                   QStringLiteral("ACCA")});
        // Named as such, or within a few lines after an access key (credentials files, CSV
        // downloads, "aws configure" sessions).
        r << rule("aws_secret_key",
                  "(?i)aws_?secret_?(?:access_?)?key[\"']?\\s{0,5}[:=,]\\s{0,5}[\"']?"
                  "(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
                  {QStringLiteral("secret")});
        r << rule("aws_secret_key",
                  "(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}[\\s\\S]{0,300}?"
                  "(?<![A-Za-z0-9/+=])(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
                  {QStringLiteral("AKIA"), QStringLiteral("ASIA"), QStringLiteral("ABIA"),
                   QStringLiteral("ACCA")});
        r << rule("github_token",
                  "(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,"
                  "255})" EA_WRAPPED,
                  {QStringLiteral("ghp_"), QStringLiteral("gho_"), QStringLiteral("ghu_"),
                   QStringLiteral("ghs_"), QStringLiteral("ghr_"), QStringLiteral("github_pat_")});
        r << rule(
            "slack_token",
            "(?<![A-Za-z0-9])(?:xox[abposr]-[A-Za-z0-9-]{10,250}|xapp-[0-9]-[A-Za-z0-9-]{10,250})",
            {QStringLiteral("xox"), QStringLiteral("xapp-")});
        r << rule("slack_webhook", "hooks\\.slack\\.com/services/(?<secret>[A-Za-z0-9/_-]{20,200})",
                  {QStringLiteral("hooks.slack.com")});
        r << rule("stripe_key", "(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,200}",
                  {QStringLiteral("k_live_"), QStringLiteral("k_test_")});
        r << rule("google_api_key", "(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])",
                  {QStringLiteral("AIza")});
        r << rule("jwt",
                  "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4000}\\.eyJ[A-Za-z0-9_-]{2,8000}\\."
                  "[A-Za-z0-9_-]{0,2000}",
                  {QStringLiteral("eyJ")});
        r << rule("url_password",
                  "(?i)\\b[a-z][a-z0-9+.-]{1,20}://[^\\s:/?#@\"'<>\\[\\]]{1,256}:"
                  "(?<secret>[^\\s/?#\"'<>]{1,256})@",
                  {QStringLiteral("://")});
        // A token has a digit somewhere: "bearer authentication" in prose is not one.
        r << rule("bearer_token",
                  "(?i)\\bbearer\\s+(?<secret>(?=[A-Za-z._~+/=-]{0,4000}[0-9])"
                  "[A-Za-z0-9._~+/=-]{8,4000})",
                  {QStringLiteral("bearer")});
        r << rule("authorization_header",
                  "(?i)\\b(?:proxy-)?authorization[\"']?\\s{0,3}[:=]\\s{0,3}[\"']?"
                  "(?:(?:basic|bearer|token|digest|negotiate|apikey)\\s+)?"
                  "(?<secret>[^\\s\"',;]{6,4000})",
                  {QStringLiteral("authorization")});
        r << rule("authorization_header",
                  "(?i)\\bx-(?:api-key|auth-token|access-token|amz-security-token)[\"']?"
                  "\\s{0,3}[:=]\\s{0,3}[\"']?(?<secret>[^\\s\"',;]{6,4000})",
                  {QStringLiteral("x-")});
        // KEY=value, as in .env files, shell commands and query strings.
        r << rule("env_secret",
                  "(?i)(?<![A-Za-z0-9_])[A-Za-z0-9_]{0,60}?"
                  "(?:token(?!s)|" EA_SECRET_WORDS ")[A-Za-z0-9_]{0,60}\\s{0,3}=\\s{0,3}"
                  "(?:\"(?<secret>[^\"\\r\\n]{1,1000})\"|'(?<secret2>[^'\\r\\n]{1,1000})'"
                  "|(?<secret3>[^\\s\"'$;&|`=(){}\\[\\]<>][^\\s\"';&|`]{0,1000}))",
                  kSecretWords);
        // "password": "..." inside text (JSON in a tool's output or a file written), and
        // YAML-style "password: ..." lines.
        r << rule("secret_field",
                  "(?i)\"(?:[^\"\\r\\n]{0,60}?(?:" EA_SECRET_WORDS
                  ")[^\"\\r\\n]{0,60}|[^\"\\r\\n]{0,60}_token|token|authorization)\"\\s{0,3}:"
                  "\\s{0,3}\"(?<secret>(?:[^\"\\\\\\r\\n]|\\\\.){1,2000})\"",
                  kSecretWords);
        r << rule("secret_field",
                  "(?im)^[ \\t-]{0,20}[A-Za-z0-9_.-]{0,60}?(?:" EA_SECRET_WORDS
                  "|_token)[A-Za-z0-9_.-]{0,60}[ \\t]{0,3}:[ \\t]{1,3}"
                  "(?:\"(?<secret>[^\"\\r\\n]{1,1000})\"|'(?<secret2>[^'\\r\\n]{1,1000})'"
                  "|(?<secret3>[^\\s\"'#|>&*!{\\[][^\\r\\n#]{0,1000}))",
                  kSecretWords);
        // JSON members named like secrets: their string values, whole.
        RedactionRule keys;
        keys.name = QStringLiteral("secret_field");
        keys.keys = {QStringLiteral("*password*"),    QStringLiteral("*passwd*"),
                     QStringLiteral("*passphrase*"),  QStringLiteral("*secret*"),
                     QStringLiteral("*_token"),       QStringLiteral("token"),
                     QStringLiteral("*api_key*"),     QStringLiteral("*apikey*"),
                     QStringLiteral("*access_key*"),  QStringLiteral("*private_key*"),
                     QStringLiteral("authorization"), QStringLiteral("*credential*")};
        keys.anchors = kSecretWords;
        r << keys;
        return r;
    }();
    return rules;
}

QList<RedactionRule> RedactionRules::all() const
{
    return builtIns ? builtInRules() + user : user;
}

} // namespace ea
