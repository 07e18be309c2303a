// Replaces secrets in JSON text and plain text with labels, keeping JSON valid byte for byte
// outside the strings it changes.
#pragma once

#include "redaction/RedactionManifest.h"
#include "redaction/RedactionRule.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <memory>

namespace ea {

// Compiles its rules once; copies share them, and a const Redactor may be used from several
// threads at once. Every JSON string (keys too) is unescaped before the rules see it, so a
// secret written as "\u0041KIA..." or a key block joined by "\n" escapes is found; a string
// that changes is escaped again, every other byte is copied as it was.
class Redactor
{
public:
    explicit Redactor(RedactionRules rules = RedactionRules::builtIn());
    ~Redactor();
    Redactor(const Redactor&);
    Redactor& operator=(const Redactor&);

    // Valid JSON in, valid JSON out. Text that is not JSON is still scanned: strings as
    // strings, everything between them as text.
    QByteArray redactJson(QByteArrayView json, RedactionManifest* manifest = nullptr) const;
    QString redactText(QStringView text, RedactionManifest* manifest = nullptr) const;

    const RedactionRules& rules() const;

private:
    struct Compiled;
    std::shared_ptr<const Compiled> d;
};

} // namespace ea
