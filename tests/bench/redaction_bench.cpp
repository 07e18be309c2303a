// Redactor throughput: MB/s of redactJson over realistic events, over the secrets corpus, and
// over adversarial single strings built to make a regex backtrack (they must stay linear).
#include "redaction/Redactor.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>

using namespace ea;

namespace {
struct Figure
{
    double mbPerSecond = 0;
    double usPerItem = 0;
    qint64 redacted = 0;
};

// Median of `runs` passes over `items`.
Figure measure(const Redactor& r, const QList<QByteArray>& items, int runs)
{
    qint64 bytes = 0;
    for (const QByteArray& i : items)
        bytes += i.size();
    QList<qint64> ns;
    qint64 redacted = 0;
    for (int k = 0; k < runs; ++k) {
        RedactionManifest m;
        QElapsedTimer t;
        t.start();
        for (const QByteArray& i : items)
            r.redactJson(i, &m);
        ns.append(t.nsecsElapsed());
        redacted = m.total();
    }
    std::sort(ns.begin(), ns.end());
    const double s = double(ns.at(ns.size() / 2)) / 1e9;
    return {double(bytes) / 1e6 / s, s * 1e6 / double(items.size()), redacted};
}

QList<QByteArray> lines(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> out;
    for (const QByteArray& l : f.readAll().split('\n'))
        if (!l.trimmed().isEmpty())
            out.append(l);
    return out;
}

// One JSON string of about `mb` MB made of `unit` repeated.
QByteArray repeated(const QByteArray& unit, int mb)
{
    QByteArray s = "{\"output\":\"";
    while (s.size() < qsizetype(mb) << 20)
        s += unit;
    return s + "\"}";
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QString stream;
    QString corpus;
    int mb = 8;
    int runs = 5;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--stream") && i + 1 < args.size())
            stream = args[++i];
        else if (args[i] == QLatin1String("--corpus") && i + 1 < args.size())
            corpus = args[++i];
        else if (args[i] == QLatin1String("--mb") && i + 1 < args.size())
            mb = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--runs") && i + 1 < args.size())
            runs = std::max(1, args[++i].toInt());
        else {
            std::fprintf(stderr, "usage: ea-bench-redaction [--stream FILE] [--corpus FILE] "
                                 "[--mb N] [--runs N]\n");
            return 2;
        }
    }
    const Redactor redactor;
    QJsonObject o;
    const auto put = [&o](const QString& name, const Figure& f) {
        o.insert(name, QJsonObject{{QStringLiteral("mb_per_s"), f.mbPerSecond},
                                   {QStringLiteral("us_per_item"), f.usPerItem},
                                   {QStringLiteral("redacted"), double(f.redacted)}});
        std::fprintf(stderr, "%-28s %8.1f MB/s %10.2f us/item %6lld redacted\n", qPrintable(name),
                     f.mbPerSecond, f.usPerItem, static_cast<long long>(f.redacted));
    };
    if (!stream.isEmpty())
        put(QStringLiteral("events"), measure(redactor, lines(stream), runs));
    if (!corpus.isEmpty())
        put(QStringLiteral("secrets_corpus"), measure(redactor, lines(corpus), runs));
    // Each adversarial string is all anchors and near-matches: every rule runs over all of it.
    const QList<QPair<QString, QByteArray>> hostile{
        {QStringLiteral("plain_text"), "the quick brown fox jumps over the lazy dog. "},
        {QStringLiteral("sk_prefixes"), "sk-ant-sk-proj-sk-"},
        {QStringLiteral("aws_near_misses"), "AKIA0123456789ABCDE "},
        {QStringLiteral("assignments"), "TOKEN=TOKEN=PASSWORD= "},
        {QStringLiteral("pem_without_end"), "-----BEGIN PRIVATE KEY-----\\nAAAA\\n"},
        {QStringLiteral("jwt_like"), "eyJabcdefgh.eyJ."},
        {QStringLiteral("url_userinfo"), "https://a:b"},
        {QStringLiteral("secret_fields"), "\\\"password\\\":\\\"x\\\\\\\" "},
        {QStringLiteral("escapes"), "\\u0041\\n\\t\\\\"},
        {QStringLiteral("base64_run"), "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo"},
    };
    for (const auto& [name, unit] : hostile)
        put(QStringLiteral("hostile_") + name,
            measure(redactor, {repeated(unit, mb)}, std::min(runs, 3)));
    std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    return 0;
}
