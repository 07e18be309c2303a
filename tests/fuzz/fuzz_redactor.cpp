// The redactor: valid JSON stays valid, nothing changes where nothing was found, no crash.
#include "FuzzSupport.h"
#include "redaction/Redactor.h"
#include "json/JsonParser.h"

#include <cstdlib>

using namespace ea;

namespace {
const Redactor& redactor(bool withUserRules)
{
    static const Redactor builtIn;
    static const Redactor user = [] {
        RedactionRule pattern;
        pattern.name = QStringLiteral("ticket");
        pattern.pattern = QStringLiteral("TK-(?<secret>[0-9a-f]{4,})");
        pattern.replacement = QStringLiteral("\"quoted\\label\n");
        RedactionRule keys;
        keys.name = QStringLiteral("named");
        keys.keys = {QStringLiteral("x*"), QStringLiteral("?")};
        return Redactor(RedactionRules::withUserRules({pattern, keys}));
    }();
    return withUserRules ? user : builtIn;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    const QByteArray in = fuzz::bytes(data, size);
    static JsonParser parser;
    const bool valid = parser.parse(in) == JsonParser::Status::Ok;
    for (const bool user : {false, true}) {
        RedactionManifest manifest;
        manifest.setKeepFindings(true);
        const QByteArray out = redactor(user).redactJson(in, &manifest);
        if (manifest.isEmpty() && out != in)
            std::abort(); // changed without saying so
        if (valid && parser.parse(out) != JsonParser::Status::Ok)
            std::abort(); // a redaction corrupted the JSON
        for (const RedactionManifest::Finding& f : manifest.findings())
            if (f.rule.isEmpty() || f.location.isEmpty())
                std::abort();
    }
    RedactionManifest text;
    redactor(false).redactText(QString::fromUtf8(in), &text);
    return 0;
}
