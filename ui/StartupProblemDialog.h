// The message box that shows a StartupProblem when the desktop application cannot start.
#pragma once

#include "presentation/StartupProblem.h"

#include <QMessageBox>
#include <QPushButton>

namespace ea {

class StartupProblemDialog : public QMessageBox
{
    Q_OBJECT
public:
    explicit StartupProblemDialog(const StartupProblem& problem, QWidget* parent = nullptr);

    // The "Stop It and Start Here" button (problem.canStopOther), else null.
    QAbstractButton* stopOtherButton() const { return m_stopOther; }
    // After exec(): the user chose to stop the other instance and start this one.
    bool stopOtherChosen() const { return m_stopOther && clickedButton() == m_stopOther; }

private:
    QAbstractButton* m_stopOther = nullptr;
};

} // namespace ea
