import PuntosAlerts
import PuntosRuntime

FunctionMain.run(Subscribe())
