import PuntosOrganisations
import PuntosRuntime

FunctionMain.run(Organisations())
