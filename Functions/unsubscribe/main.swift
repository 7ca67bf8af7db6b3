import PuntosDomain
import PuntosRuntime

FunctionMain.run(Unsubscribe())
