import PuntosDomain
import PuntosRuntime

FunctionMain.run(RegisterCard())
