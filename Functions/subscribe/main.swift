import PuntosRuntime
import PuntosDomain
FunctionMain.run(Subscribe())
