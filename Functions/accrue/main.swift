import PuntosDomain
import PuntosRuntime

FunctionMain.run(Accrue())
