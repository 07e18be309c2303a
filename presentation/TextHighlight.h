// Where search words occur in a text, and that text as HTML with them marked.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <utility>

namespace ea {

namespace TextHighlight {
// Case-insensitive occurrences of any of `terms` as (start, length), in order, overlaps merged.
QList<std::pair<int, int>> find(const QString& text, const QStringList& terms);
// `text` escaped for a rich-text label, at most about `maxChars` of it, with the matches
// marked; when the first match lies past the cut, the excerpt is taken around it instead.
QString html(const QString& text, const QStringList& terms, int maxChars);
// The colour matches are marked with (an amber that reads on light and dark palettes).
inline constexpr unsigned MarkRgb = 0xffe082;
} // namespace TextHighlight

} // namespace ea
