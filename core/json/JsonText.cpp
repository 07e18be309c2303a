#include "json/JsonText.h"

namespace ea {

namespace {
void newline(QByteArray* out, int level)
{
    out->append('\n');
    out->append(QByteArray(level * 4, ' '));
}
} // namespace

void JsonText::appendIndented(QByteArray* out, QByteArrayView json, int level)
{
    bool inString = false;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            out->append(c);
            if (c == '\\' && i + 1 < json.size())
                out->append(json[++i]);
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            out->append(c);
            break;
        case '{':
        case '[': {
            const char close = c == '{' ? '}' : ']';
            if (i + 1 < json.size() && json[i + 1] == close) {
                out->append(c).append(close);
                ++i;
                break;
            }
            out->append(c);
            newline(out, ++level);
            break;
        }
        case '}':
        case ']':
            newline(out, --level);
            out->append(c);
            break;
        case ',':
            out->append(c);
            newline(out, level);
            break;
        case ':':
            out->append(": ");
            break;
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            break;
        default:
            out->append(c);
        }
    }
}

QByteArray JsonText::indented(QByteArrayView json)
{
    QByteArray out;
    out.reserve(json.size() + json.size() / 4);
    appendIndented(&out, json, 0);
    out.append('\n');
    return out;
}

QByteArray JsonText::compact(QByteArrayView json)
{
    QByteArray out;
    out.reserve(json.size());
    bool inString = false;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            out.append(c);
            if (c == '\\' && i + 1 < json.size())
                out.append(json[++i]);
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
            out.append(c);
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out.append(c);
        }
    }
    return out;
}

} // namespace ea
