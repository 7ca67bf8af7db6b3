import PuntosDelivery
import PuntosRuntime

FunctionMain.run(Deliver())
