import PuntosDomain
import PuntosRuntime

FunctionMain.run(Redeem())
