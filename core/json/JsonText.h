// JSON text re-spaced without a tree, so every number keeps the digits it was received with.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace ea {

class JsonText
{
public:
    // Appends valid JSON `json` indented the way QJsonDocument::Indented does, starting at
    // `level`, copying every token as it is (a tree would turn 2^53 + 1 into a double).
    static void appendIndented(QByteArray* out, QByteArrayView json, int level);
    // The whole text indented, with a final line break, as QJsonDocument::toJson() gives it.
    static QByteArray indented(QByteArrayView json);
    // Without whitespace between tokens, as QJsonDocument::Compact gives it.
    static QByteArray compact(QByteArrayView json);
};

} // namespace ea
