#include "presentation/TextHighlight.h"

#include <algorithm>

namespace ea {

QList<std::pair<int, int>> TextHighlight::find(const QString& text, const QStringList& terms)
{
    QList<std::pair<int, int>> hits;
    for (const QString& term : terms) {
        if (term.isEmpty())
            continue;
        for (qsizetype at = text.indexOf(term, 0, Qt::CaseInsensitive); at >= 0;
             at = text.indexOf(term, at + term.size(), Qt::CaseInsensitive))
            hits.append({int(at), int(term.size())});
    }
    std::sort(hits.begin(), hits.end());
    QList<std::pair<int, int>> merged;
    for (const auto& h : hits) {
        if (!merged.isEmpty() && h.first <= merged.last().first + merged.last().second) {
            const int end =
                std::max(merged.last().first + merged.last().second, h.first + h.second);
            merged.last().second = end - merged.last().first;
        } else {
            merged.append(h);
        }
    }
    return merged;
}

QString TextHighlight::html(const QString& text, const QStringList& terms, int maxChars)
{
    const QString flat = text.simplified();
    const QList<std::pair<int, int>> hits = find(flat, terms);
    int from = 0;
    if (!hits.isEmpty() && hits.first().first + hits.first().second > maxChars)
        from = std::max(0, hits.first().first - maxChars / 4);
    const int to = std::min<int>(int(flat.size()), from + maxChars);
    QString out;
    if (from > 0)
        out += QChar(0x2026);
    int at = from;
    const QString open =
        QStringLiteral("<span style='background-color:#%1'>").arg(MarkRgb, 6, 16, QLatin1Char('0'));
    for (const auto& [start, length] : hits) {
        const int end = std::min(start + length, to);
        if (end <= at)
            continue;
        if (start >= to)
            break;
        const int s = std::max(start, at);
        out += flat.mid(at, s - at).toHtmlEscaped();
        out += open + flat.mid(s, end - s).toHtmlEscaped() + QStringLiteral("</span>");
        at = end;
    }
    out += flat.mid(at, to - at).toHtmlEscaped();
    if (to < flat.size())
        out += QChar(0x2026);
    return out;
}

} // namespace ea
