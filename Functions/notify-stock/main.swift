import PuntosRuntime
import PuntosDomain
FunctionMain.run(NotifyStock())
