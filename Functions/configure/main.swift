import PuntosDomain
import PuntosRuntime

FunctionMain.run(Configure())
