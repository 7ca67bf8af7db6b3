import PuntosDomain
import PuntosRuntime

FunctionMain.run(Subscribe())
