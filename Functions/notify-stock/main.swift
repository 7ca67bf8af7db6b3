import PuntosDomain
import PuntosRuntime

FunctionMain.run(NotifyStock())
