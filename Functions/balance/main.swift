import PuntosDomain
import PuntosRuntime

FunctionMain.run(Balance())
