// Exports chosen sessions to a file in steps, with a progress dialog and cancel, never blocking the
// UI; redacted, with the manifest of jsonl and csv exports beside the file.
#pragma once

#include "export/SessionExporter.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>

class QProgressDialog;
class QSaveFile;
class QWidget;

namespace ea {

class SessionExportJob : public QObject
{
    Q_OBJECT
public:
    struct Source
    {
        QString sessionId;
        QString filePath;         // a saved session, read when its turn comes
        QJsonObject liveDocument; // or a live session's document, taken when the export began
    };
    // Exports of more sessions than this show a progress dialog.
    static constexpr int DialogThreshold = 20;

    SessionExportJob(QList<Source> sources, SessionExporter::Format format, QString target,
                     QObject* parent = nullptr);
    ~SessionExportJob() override;

    // Rules beyond the built-in ones (the configuration's); set before start(). Every export
    // is redacted, with the built-in rules at least.
    void setRedactor(const Redactor& redactor) { m_redactor = redactor; }

    // Starts; one session per event-loop turn. dialogParent: where the progress dialog goes
    // (nullptr: none).
    void start(QWidget* dialogParent);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // ok false: failed or cancelled (the target is then left as it was); message says which.
    void finished(bool ok, const QString& message);

private:
    void step();
    void finish(bool ok, const QString& message);

    QList<Source> m_sources;
    SessionExporter::Format m_format;
    QString m_target;
    Redactor m_redactor;
    std::unique_ptr<QSaveFile> m_file;
    std::unique_ptr<SessionExporter> m_exporter;
    QPointer<QProgressDialog> m_dialog;
    int m_next = 0;
    int m_skipped = 0;
    bool m_running = false;
};

} // namespace ea
