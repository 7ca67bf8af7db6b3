import PuntosAlerts
import PuntosRuntime

FunctionMain.run(NotifyStock())
