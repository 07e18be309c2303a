#include "config/ConfigWriter.h"

#include "config/ConfigLoader.h"
#include "util/AtomicFile.h"
#include "util/SystemReason.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string_view>
#include <variant>
#include <vector>

namespace ea {

Q_LOGGING_CATEGORY(lcConfigWriter, "ea.config.writer")

namespace {

using Value = std::variant<bool, int, QString, QStringList>;

struct Change
{
    QByteArray key;
    Value value;
};
using Changes = std::vector<Change>;

// Whether a YAML 1.1 reader (PyYAML, i.e. claude-mpm) would take this plain scalar for a
// boolean, null, number or date rather than a string.
bool looksTyped(const QString& value)
{
    static const QRegularExpression typed(QStringLiteral(
        "^(|~|null|Null|NULL|y|Y|n|N|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|"
        "FALSE|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?|"
        "[-+]?\\.[0-9_]+([eE][-+]?[0-9]+)?|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|"
        "[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?|[-+]?\\.(inf|Inf|INF)|"
        "\\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*|<<|=)$"));
    return typed.match(value).hasMatch();
}

// A string that reads back as itself without quotes (inside [...] too, when flow).
bool plainIsSafe(const QString& s, bool flow)
{
    if (s.isEmpty() || looksTyped(s) || s.front().isSpace() || s.back().isSpace())
        return false;
    if (QStringLiteral("-?:,[]{}#&*!|>'\"%@`").contains(s.front()))
        return false;
    if (s.endsWith(QLatin1Char(':')) || s.contains(QLatin1String(": ")) ||
        s.contains(QLatin1String(" #")))
        return false;
    for (const QChar c : s) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
        if (flow && QStringLiteral(",[]{}").contains(c))
            return false;
    }
    return true;
}

QByteArray doubleQuoted(const QString& s)
{
    QByteArray out("\"");
    for (const char c : s.toUtf8()) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (uchar(c) < 0x20 || uchar(c) == 0x7f)
                out += "\\x" + QByteArray::number(uchar(c), 16).rightJustified(2, '0');
            else
                out += c;
        }
    }
    return out + '"';
}

QByteArray quotedLike(const QString& s, char quote, bool flow)
{
    if (quote == '\'') {
        for (const QChar c : s)
            if (c.unicode() < 0x20)
                return doubleQuoted(s); // single quotes have no escapes
        QString q = s;
        return "'" + q.replace(QLatin1Char('\''), QStringLiteral("''")).toUtf8() + "'";
    }
    if (quote == '"' || !plainIsSafe(s, flow))
        return doubleQuoted(s);
    return s.toUtf8();
}

// true/false in the spelling the file used for this key (yes/no, On/Off, ...).
QByteArray boolLike(bool v, const QByteArray& existing)
{
    static const char* const pairs[][2] = {
        {"true", "false"}, {"yes", "no"}, {"on", "off"}, {"y", "n"}};
    QByteArray word = v ? "true" : "false";
    const QByteArray lower = existing.toLower();
    for (const auto& p : pairs) {
        if (lower == p[0] || lower == p[1]) {
            word = v ? p[0] : p[1];
            break;
        }
    }
    if (!existing.isEmpty() && existing == existing.toUpper() && existing != lower)
        return word.toUpper();
    if (!existing.isEmpty() && existing.at(0) >= 'A' && existing.at(0) <= 'Z')
        word[0] = char(word.at(0) - 'a' + 'A');
    return word;
}

// The YAML text of a value; `existing` is the token it replaces (empty for a new key), whose
// quoting or boolean spelling is kept.
QByteArray format(const Value& value, const QByteArray& existing)
{
    const char quote = existing.isEmpty() ? 0 : existing.at(0);
    if (const bool* b = std::get_if<bool>(&value))
        return boolLike(*b, existing);
    if (const int* i = std::get_if<int>(&value))
        return QByteArray::number(*i);
    if (const QString* s = std::get_if<QString>(&value))
        return quotedLike(*s, quote == '"' || quote == '\'' ? quote : 0, false);
    QByteArrayList items;
    for (const QString& s : std::get<QStringList>(value))
        items.append(quotedLike(s, 0, true));
    return "[" + items.join(", ") + "]";
}

bool oneOf(char c, std::string_view set)
{
    return c != 0 && set.find(c) != std::string_view::npos;
}

// The file's bytes with line positions, and the token scanning yaml-cpp's marks need: a mark
// gives where a node starts, not where it ends.
class Text
{
public:
    explicit Text(const QByteArray& data) : m_d(data)
    {
        m_starts.push_back(0);
        for (qsizetype i = 0; i < data.size(); ++i)
            if (data.at(i) == '\n')
                m_starts.push_back(i + 1);
    }

    const QByteArray& data() const { return m_d; }
    int lineCount() const { return int(m_starts.size()); }
    qsizetype offset(const YAML::Mark& m) const { return lineStart(m.line) + m.column; }
    qsizetype lineStart(int line) const { return m_starts.at(size_t(line)); }
    // Just past the line's newline (the end of the text on the last line).
    qsizetype afterLine(int line) const
    {
        return line + 1 < lineCount() ? m_starts.at(size_t(line) + 1) : m_d.size();
    }
    // Where the line's text ends, before "\n" or "\r\n".
    qsizetype lineEnd(int line) const
    {
        qsizetype e = afterLine(line);
        if (e > lineStart(line) && m_d.at(e - 1) == '\n')
            --e;
        if (e > lineStart(line) && m_d.at(e - 1) == '\r')
            --e;
        return e;
    }
    int indent(int line) const
    {
        qsizetype i = lineStart(line);
        while (i < lineEnd(line) && m_d.at(i) == ' ')
            ++i;
        return int(i - lineStart(line));
    }
    // Neither blank nor only a comment.
    bool isContent(int line) const
    {
        const qsizetype i = lineStart(line) + indent(line);
        return i < lineEnd(line) && m_d.at(i) != '#';
    }
    bool startsWithDash(int line) const
    {
        const qsizetype i = lineStart(line) + indent(line);
        return i < lineEnd(line) && m_d.at(i) == '-' &&
               (i + 1 == lineEnd(line) || m_d.at(i + 1) == ' ');
    }

    // The last line of the block under `line` (lines indented more than `column`; for a
    // sequence also "- " lines at `column`), or -1 when nothing is under it.
    int lastLineOfBlock(int line, int column, bool sequence) const
    {
        int last = -1;
        for (int l = line + 1; l < lineCount(); ++l) {
            if (!isContent(l))
                continue;
            const int ind = indent(l);
            if (ind > column || (sequence && ind == column && startsWithDash(l)))
                last = l;
            else
                break;
        }
        return last;
    }

    // Where the scalar starting at pos ends: past its closing quote, or for a plain scalar
    // before a comment, a ": " or (in flow) a , ] or }.
    qsizetype scalarEnd(qsizetype pos, bool flow) const
    {
        const qsizetype n = m_d.size();
        if (pos < n && m_d.at(pos) == '"') {
            for (qsizetype i = pos + 1; i < n; ++i) {
                if (m_d.at(i) == '\\')
                    ++i;
                else if (m_d.at(i) == '"')
                    return i + 1;
            }
            return n;
        }
        if (pos < n && m_d.at(pos) == '\'') {
            for (qsizetype i = pos + 1; i < n; ++i) {
                if (m_d.at(i) != '\'')
                    continue;
                if (i + 1 < n && m_d.at(i + 1) == '\'')
                    ++i;
                else
                    return i + 1;
            }
            return n;
        }
        qsizetype i = pos;
        for (; i < n; ++i) {
            const char c = m_d.at(i);
            if (c == '\n' || c == '\r')
                break;
            if (c == '#' && i > pos && (m_d.at(i - 1) == ' ' || m_d.at(i - 1) == '\t'))
                break;
            if (c == ':' && (i + 1 == n || oneOf(m_d.at(i + 1), " \t\r\n") ||
                             (flow && oneOf(m_d.at(i + 1), ",]}"))))
                break;
            if (flow && (c == ',' || c == ']' || c == '}'))
                break;
        }
        while (i > pos && (m_d.at(i - 1) == ' ' || m_d.at(i - 1) == '\t'))
            --i;
        return i;
    }

    // Past the ] or } closing the flow collection that starts at pos; -1 if unclosed.
    qsizetype flowEnd(qsizetype pos) const
    {
        int depth = 0;
        for (qsizetype i = pos; i < m_d.size(); ++i) {
            const char c = m_d.at(i);
            if (c == '"' || c == '\'') {
                i = scalarEnd(i, true) - 1;
            } else if (c == '[' || c == '{') {
                ++depth;
            } else if (c == ']' || c == '}') {
                if (--depth == 0)
                    return i + 1;
            } else if (c == '#' && i > 0 && m_d.at(i - 1) == ' ') {
                while (i < m_d.size() && m_d.at(i) != '\n')
                    ++i;
            }
        }
        return -1;
    }

    // The end of the key line's own text: before a comment, without trailing blanks.
    qsizetype contentEnd(int line, qsizetype from) const
    {
        qsizetype i = from;
        const qsizetype end = lineEnd(line);
        while (i < end && !(m_d.at(i) == '#' && (m_d.at(i - 1) == ' ' || m_d.at(i - 1) == '\t')))
            ++i;
        while (i > from && (m_d.at(i - 1) == ' ' || m_d.at(i - 1) == '\t'))
            --i;
        return i;
    }

private:
    const QByteArray& m_d;
    std::vector<qsizetype> m_starts;
};

// Collects replacements of byte ranges and applies them together, last first, so each one's
// offsets still refer to the original text.
class Editor
{
public:
    explicit Editor(const Text& text)
        : m_t(text), m_nl(text.data().contains("\r\n") ? "\r\n" : "\n")
    {}

    QByteArray newline() const { return m_nl; }

    void replace(qsizetype pos, qsizetype length, const QByteArray& text)
    {
        m_edits.push_back({pos, length, text, int(m_edits.size())});
    }

    // Lines of new keys at the end of the block under the key at (line, column).
    void appendToBlock(int line, int column, const QByteArray& lines)
    {
        int last = m_t.lastLineOfBlock(line, column, false);
        if (last < 0)
            last = line;
        const qsizetype at = m_t.afterLine(last);
        // The last line of a file may have no newline yet.
        replace(at, 0, at == m_t.lineEnd(last) ? m_nl + lines : lines);
    }

    // Rewrites the value of `key` (in a block mapping) in place. False when the key's text
    // cannot be found where its mark says.
    bool setValue(const YAML::Node& key, const YAML::Node& value, const Value& v)
    {
        const QByteArray& d = m_t.data();
        const int keyLine = key.Mark().line;
        qsizetype colon = m_t.scalarEnd(m_t.offset(key.Mark()), false);
        while (colon < d.size() && d.at(colon) == ' ')
            ++colon;
        if (colon >= d.size() || d.at(colon) != ':')
            return false;
        ++colon;
        // A null value's mark points at whatever follows it: only non-null ones are trusted.
        const bool sameLine = !value.IsNull() && value.Mark().line == keyLine;
        if (sameLine) {
            const qsizetype vpos = m_t.offset(value.Mark());
            const char first = vpos < d.size() ? d.at(vpos) : 0;
            const bool plainOrQuoted = value.IsScalar() && !oneOf(first, "|>&!*");
            if (plainOrQuoted && m_t.lastLineOfBlock(keyLine, key.Mark().column, false) < 0) {
                const qsizetype end = m_t.scalarEnd(vpos, false);
                replace(vpos, end - vpos, format(v, d.mid(vpos, end - vpos)));
                return true;
            }
            if (value.Style() == YAML::EmitterStyle::Flow && (first == '[' || first == '{')) {
                const qsizetype end = m_t.flowEnd(vpos);
                if (end > 0) {
                    replace(vpos, end - vpos, format(v, {}));
                    return true;
                }
            }
        }
        // Nothing, a block, or a value on the following lines: the new value goes after the
        // colon (a comment on the key's line stays) and the old value's lines go.
        replace(colon, m_t.contentEnd(keyLine, colon) - colon, " " + format(v, {}));
        const int last = m_t.lastLineOfBlock(keyLine, key.Mark().column, value.IsSequence());
        if (last >= 0)
            replace(m_t.lineEnd(keyLine), m_t.lineEnd(last) - m_t.lineEnd(keyLine), {});
        return true;
    }

    QByteArray apply() const
    {
        std::vector<Edit> edits = m_edits;
        std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
            return a.pos != b.pos ? a.pos > b.pos : a.order > b.order;
        });
        QByteArray out = m_t.data();
        for (const Edit& e : edits)
            out.replace(e.pos, e.length, e.text);
        return out;
    }

private:
    struct Edit
    {
        qsizetype pos;
        qsizetype length;
        QByteArray text;
        int order; // inserts at one place keep the order they were made in
    };
    const Text& m_t;
    QByteArray m_nl;
    std::vector<Edit> m_edits;
};

QByteArray keyLines(const Changes& changes, int indent, const QByteArray& nl)
{
    QByteArray out;
    for (const Change& c : changes)
        out += QByteArray(indent, ' ') + c.key + ": " + format(c.value, {}) + nl;
    return out;
}

// The pair of `map` whose key is `key`, if any.
bool findPair(const YAML::Node& map, const QByteArray& key, YAML::Node* k, YAML::Node* v)
{
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key.toStdString()) {
            *k = it->first;
            *v = it->second;
            return true;
        }
    }
    return false;
}

int firstKeyColumn(const YAML::Node& map, int fallback)
{
    return map.begin() != map.end() ? map.begin()->first.Mark().column : fallback;
}

} // namespace

std::optional<QByteArray> ConfigWriter::update(const QByteArray& original,
                                               const AggregatorConfig& config, QString* error,
                                               const QString& fileName)
{
    auto fail = [&](const QString& message) -> std::optional<QByteArray> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    YAML::Node root;
    try {
        root = YAML::Load(original.toStdString());
    } catch (const YAML::Exception& e) {
        return fail(QStringLiteral("not rewritten: line %1: invalid YAML: %2")
                        .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                        .arg(QString::fromStdString(e.msg)));
    }
    if (root.IsDefined() && !root.IsNull() &&
        (!root.IsMap() || root.Style() == YAML::EmitterStyle::Flow))
        return fail(QStringLiteral("not rewritten: its top level is not a block of sections"));
    // What the file says now: only what differs from it is written.
    QString why;
    const std::optional<AggregatorConfig> now =
        ConfigLoader::parse(original, fileName, QString(), &why);
    if (!now)
        return fail(QStringLiteral("not rewritten, it does not load: %1").arg(why));

    const AggregatorConfig& c = config;
    const AggregatorConfig& f = *now;
    Changes top;
    Changes capture;
    auto add = [](Changes& list, const char* key, bool differs, Value v) {
        if (differs)
            list.push_back({QByteArray(key), std::move(v)});
    };
    add(top, "enabled", c.enabled != f.enabled, c.enabled);
    add(top, "activity_directory", c.activityDirectory != f.activityDirectory, c.activityDirectory);
    add(top, "dashboard_host", c.dashboardHost != f.dashboardHost, c.dashboardHost);
    add(top, "dashboard_port", c.dashboardPort != f.dashboardPort, c.dashboardPort);
    add(top, "allow_remote", c.allowRemote != f.allowRemote, c.allowRemote);
    add(top, "session_timeout_minutes", c.sessionTimeoutMinutes != f.sessionTimeoutMinutes,
        c.sessionTimeoutMinutes);
    add(top, "auto_cleanup_days", c.autoCleanupDays != f.autoCleanupDays, c.autoCleanupDays);
    add(top, "max_total_mb", c.maxTotalMb != f.maxTotalMb, c.maxTotalMb);
    add(top, "blocked_after_seconds", c.blockedAfterSeconds != f.blockedAfterSeconds,
        c.blockedAfterSeconds);
    add(top, "idle_after_minutes", c.idleAfterMinutes != f.idleAfterMinutes, c.idleAfterMinutes);
    add(top, "notifications", c.notifications != f.notifications, c.notifications);
    add(top, "notify_permission", c.notifyPermission != f.notifyPermission, c.notifyPermission);
    add(top, "notify_blocked", c.notifyBlocked != f.notifyBlocked, c.notifyBlocked);
    add(top, "notify_finished", c.notifyFinished != f.notifyFinished, c.notifyFinished);
    add(top, "events", c.events != f.events, c.events);
    add(top, "auto_start", c.autoStart != f.autoStart, c.autoStart);
    add(top, "compress_sessions", c.compressSessions != f.compressSessions, c.compressSessions);
    add(top, "file_format", c.fileFormat != f.fileFormat, c.fileFormat);
    const AggregatorConfig::Capture& cc = c.capture;
    const AggregatorConfig::Capture& fc = f.capture;
    add(capture, "user_prompts", cc.userPrompts != fc.userPrompts, cc.userPrompts);
    add(capture, "agent_delegations", cc.agentDelegations != fc.agentDelegations,
        cc.agentDelegations);
    add(capture, "tool_operations", cc.toolOperations != fc.toolOperations, cc.toolOperations);
    add(capture, "file_operations", cc.fileOperations != fc.fileOperations, cc.fileOperations);
    add(capture, "todo_updates", cc.todoUpdates != fc.todoUpdates, cc.todoUpdates);
    add(capture, "responses", cc.responses != fc.responses, cc.responses);
    add(capture, "memory_events", cc.memoryEvents != fc.memoryEvents, cc.memoryEvents);
    if (top.empty() && capture.empty())
        return original;

    const Text text(original);
    Editor edit(text);
    const QByteArray nl = edit.newline();
    // Lines for keys a block lacks, at `indent`; capture switches as a nested block.
    auto newLines = [&](const Changes& keys, const Changes& switches, int indent) {
        QByteArray lines = keyLines(keys, indent, nl);
        if (!switches.empty())
            lines += QByteArray(indent, ' ') + "capture:" + nl + keyLines(switches, indent + 2, nl);
        return lines;
    };

    YAML::Node sectionKey;
    YAML::Node section;
    if (!root.IsMap() || !findPair(root, "event_aggregator", &sectionKey, &section)) {
        QByteArray block;
        if (!original.isEmpty() && !original.endsWith('\n'))
            block += nl;
        block += "event_aggregator:" + nl + newLines(top, capture, 2);
        edit.replace(original.size(), 0, block);
        return edit.apply();
    }
    const int sectionColumn = sectionKey.Mark().column;
    if (section.IsNull()) {
        edit.appendToBlock(sectionKey.Mark().line, sectionColumn,
                           newLines(top, capture, sectionColumn + 2));
        return edit.apply();
    }
    if (!section.IsMap() || section.Style() == YAML::EmitterStyle::Flow)
        return fail(QStringLiteral("not rewritten: line %1: event_aggregator is not a block of "
                                   "\"key: value\" lines")
                        .arg(sectionKey.Mark().line + 1));
    const int indent = firstKeyColumn(section, sectionColumn + 2);
    Changes missing;
    for (const Change& change : top) {
        YAML::Node k;
        YAML::Node v;
        if (!findPair(section, change.key, &k, &v))
            missing.push_back(change);
        else if (!edit.setValue(k, v, change.value))
            return fail(QStringLiteral("not rewritten: line %1: cannot find the value of %2")
                            .arg(k.Mark().line + 1)
                            .arg(QString::fromLatin1(change.key)));
    }
    Changes missingSwitches;
    YAML::Node captureKey;
    YAML::Node captureMap;
    if (!capture.empty() && findPair(section, "capture", &captureKey, &captureMap)) {
        const int captureColumn = captureKey.Mark().column;
        if (captureMap.IsNull()) {
            edit.appendToBlock(captureKey.Mark().line, captureColumn,
                               keyLines(capture, captureColumn + 2, nl));
        } else if (captureMap.IsMap() && captureMap.Style() != YAML::EmitterStyle::Flow) {
            Changes notThere;
            for (const Change& change : capture) {
                YAML::Node k;
                YAML::Node v;
                if (!findPair(captureMap, change.key, &k, &v))
                    notThere.push_back(change);
                else if (!edit.setValue(k, v, change.value))
                    return fail(QStringLiteral("not rewritten: line %1: cannot find the value "
                                               "of capture.%2")
                                    .arg(k.Mark().line + 1)
                                    .arg(QString::fromLatin1(change.key)));
            }
            if (!notThere.empty())
                edit.appendToBlock(
                    captureKey.Mark().line, captureColumn,
                    keyLines(notThere, firstKeyColumn(captureMap, captureColumn + 2), nl));
        } else {
            // capture: {...} on one line: rewritten as a whole, in its own style.
            Changes all;
            for (auto it = captureMap.begin(); it != captureMap.end(); ++it) {
                const QByteArray name = QByteArray::fromStdString(it->first.Scalar());
                const auto changed = std::find_if(capture.begin(), capture.end(),
                                                  [&](const Change& x) { return x.key == name; });
                const bool on = changed != capture.end() ? std::get<bool>(changed->value)
                                                         : it->second.as<bool>(false);
                all.push_back({name, on});
            }
            for (const Change& change : capture) {
                if (std::none_of(all.begin(), all.end(),
                                 [&](const Change& x) { return x.key == change.key; }))
                    all.push_back(change);
            }
            QByteArrayList items;
            for (const Change& x : all)
                items.append(x.key + ": " + format(x.value, {}));
            const qsizetype pos = text.offset(captureMap.Mark());
            const qsizetype end = text.flowEnd(pos);
            if (end < 0)
                return fail(QStringLiteral("not rewritten: line %1: capture is not closed")
                                .arg(captureKey.Mark().line + 1));
            edit.replace(pos, end - pos, "{" + items.join(", ") + "}");
        }
    } else {
        missingSwitches = capture;
    }
    if (!missing.empty() || !missingSwitches.empty())
        edit.appendToBlock(sectionKey.Mark().line, sectionColumn,
                           newLines(missing, missingSwitches, indent));
    return edit.apply();
}

bool ConfigWriter::write(const QString& path, const AggregatorConfig& config, QString* error)
{
    auto fail = [&](const QString& message) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, message);
        qCWarning(lcConfigWriter).noquote() << path << ":" << message;
        return false;
    };
    QByteArray original;
    const QFileInfo fi(path);
    if (fi.exists()) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read: %1").arg(f.errorString()));
        original = f.readAll();
    }
    QString why;
    const std::optional<QByteArray> data = update(original, config, &why, fi.fileName());
    if (!data)
        return fail(why);
    if (*data == original)
        return true; // nothing changed: the file (or its absence) stays as it is

    if (!QDir().mkpath(fi.absolutePath()))
        return fail(QStringLiteral("cannot create directory %1: %2")
                        .arg(fi.absolutePath(), SystemReason::forDirectory(fi.absolutePath())));
    // Keep the permissions the user gave the file; a new one is readable by its owner only.
    const QFileDevice::Permissions mode =
        fi.exists() ? QFile::permissions(path) : QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    if (!AtomicFile::write(path, *data, &why, mode))
        return fail(QStringLiteral("cannot write %1: %2").arg(path, why));
    return true;
}

QString ConfigWriter::targetFor(const AggregatorConfig& config, const QString& workingDirectory)
{
    if (!config.configFile.isEmpty())
        return config.configFile;
    return QDir(workingDirectory)
        .absoluteFilePath(QStringLiteral(".claude-mpm/configuration.yaml"));
}

} // namespace ea
