import PuntosRuntime
import PuntosDomain
FunctionMain.run(Unsubscribe())
